#Requires -Version 7.4
<#
.SYNOPSIS
    The built module as a pwsh user meets it: the manifest, the exported cmdlets, Get-Help for each, the
    format views rendering real output objects, and tab completion. Starts one 1-member sandbox cluster for the
    objects and completions (needs postgresql, patroni, etcd-server); the drill's view is checked by
    PatroniHa.Failover.Tests.ps1, which runs a drill.
.EXAMPLE
    Invoke-Pester ./tests/Pester/PatroniHa.Module.Tests.ps1 -Output Detailed
.EXAMPLE
    # The module installed from a repository instead of this checkout's out/PatroniHa:
    Invoke-Pester -Container (New-PesterContainer -Path ./tests/Pester/PatroniHa.Module.Tests.ps1 -Data @{ Module = 'PatroniHa' })
#>
param(
    # A manifest path or an installed module's name; default: this checkout's build (out/PatroniHa).
    [string] $Module = (Join-Path $PSScriptRoot '../../out/PatroniHa/PatroniHa.psd1')
)

BeforeDiscovery {
    $manifestPath = if (Test-Path $Module) { $Module } else { Join-Path (Get-Module $Module -ListAvailable | Select-Object -First 1).ModuleBase 'PatroniHa.psd1' }
    $cmdlets = (Import-PowerShellDataFile $manifestPath).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
    # Each view in PatroniHa.Format.ps1xml: the type it formats, its kind and the first heading it shows.
    $formatFile = Join-Path (Split-Path $manifestPath) 'PatroniHa.Format.ps1xml'
    $views = foreach ($view in ([xml](Get-Content $formatFile -Raw)).Configuration.ViewDefinitions.View) {
        $table = $view.SelectSingleNode('TableControl')
        $first = if ($table) { $table.SelectSingleNode('TableHeaders/TableColumnHeader/Label').InnerText }
        else { $view.SelectSingleNode('ListControl/ListEntries/ListEntry/ListItems/ListItem/*[self::Label or self::PropertyName]').InnerText }
        # A drill needs a cluster that can switch over: PatroniHa.Failover.Tests.ps1 renders FailoverDrillResult.
        if ($view.Name -eq 'FailoverDrillResult') { continue }
        @{ Name = $view.Name; TypeName = $view.ViewSelectedBy.TypeName; Kind = $(if ($table) { 'Table' } else { 'List' }); Heading = $first }
    }
    # The output types BeforeAll makes real objects of (a 1-member sandbox); every other view is checked loaded.
    # PatroniHistoryEntry needs a timeline switch: PatroniHa.Failover.Tests.ps1 renders it after its switchover.
    $sampled = 'PatroniHa.Output.PatroniSandboxInfo', 'PatroniHa.Sessions.PatroniSession', 'PatroniHa.Output.PatroniMemberInfo',
        'PatroniHa.Output.PatroniHealth', 'PatroniHa.Output.PatroniServerHealth', 'PatroniHa.Output.FailoverReadiness', 'PatroniHa.Output.FailoverCheck',
        'PatroniHa.Output.PatroniMemberInfo#Extended', 'PatroniHa.Output.PatroniConfiguration', 'PatroniHa.Output.PatroniConfigurationChange',
        'PatroniHa.Output.PatroniMaintenanceState', 'PatroniHa.Output.PatroniMemberActionResult', 'PatroniHa.Output.PatroniRollingRestartStep',
        'PatroniHa.Output.MigrationReadiness', 'PatroniHa.Output.MigrationReadinessCheck', 'PatroniHa.Output.PatroniReadStatistics',
        'PatroniHa.Output.PatroniReadMemberStatistics', 'PatroniHa.Output.PatroniWorkloadResult'
    $rendered = @($views | Where-Object { $_.TypeName -in $sampled })
    $loadedOnly = @($views | Where-Object { $_.TypeName -notin $sampled })
}

BeforeAll {
    # A start of this same pwsh (also when it runs as `dotnet pwsh`) with -NoProfile -NonInteractive and the arguments given.
    function New-ChildPwsh {
        $start = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $start.ArgumentList.Add([Environment]::GetCommandLineArgs()[0]) }
        foreach ($a in @('-NoProfile', '-NonInteractive') + $args) { $start.ArgumentList.Add($a) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start
    }
    $manifestPath = if (Test-Path $Module) { $Module } else { Join-Path (Get-Module $Module -ListAvailable | Select-Object -First 1).ModuleBase 'PatroniHa.psd1' }
    Import-Module $manifestPath
    $script:sandbox = Start-PatroniSandbox -Nodes 1 -Name modcheck
    $script:session = $sandbox | Connect-PatroniCluster -Name modcheck
    # One object of every output type, keyed by the type name its view selects (PSTypeNames[0]: -Extended's too).
    $health = Get-PatroniHealth -Session $session
    $readiness = Test-PatroniFailover -Session $session
    $migration = Test-PatroniMigration -Session $session
    $null = Invoke-PatroniQuery 'SELECT 1' -ReadOnly -Session $session
    $reads = Get-PatroniReadStatistics -Session $session
    $workload = Measure-PatroniWorkload -DurationSec 1 -Concurrency 2 -Session $session
    # Administration on this check's own cluster: a harmless setting changed, maintenance mode on and off, a
    # reload, and a rolling restart (the only member, in place).
    $change = Set-PatroniConfiguration -Parameter @{ log_min_duration_statement = 1000 } -Session $session -Confirm:$false
    $paused = Suspend-PatroniCluster -Session $session -Confirm:$false
    $resumed = Resume-PatroniCluster -Session $session -Confirm:$false
    $reload = Invoke-PatroniReload -Session $session -Confirm:$false
    $restart = Restart-PatroniCluster -InPlace -Session $session -Confirm:$false
    $script:samples = @{}
    $objects = $sandbox, $session, (Get-PatroniTopology -Session $session), (Get-PatroniTopology -Extended -Session $session),
        $health, $health.HaCluster.Primary, $readiness, $readiness.Checks, $migration, $migration.Checks, $reads, $reads.Members,
        (Get-PatroniConfiguration -Session $session), $change, $paused, $resumed, $reload, $restart, $workload
    foreach ($o in $objects | ForEach-Object { $_ } | Where-Object { $null -ne $_ }) {
        $samples[$o.PSObject.TypeNames[0]] = $o
    }
}

AfterAll {
    Get-PatroniSession | Disconnect-PatroniCluster
    if ($script:sandbox) { $script:sandbox | Stop-PatroniSandbox -Confirm:$false }
}

Describe 'The manifest' {
    It 'is valid and loads the compiled module' {
        $manifest = Test-ModuleManifest -Path $manifestPath
        $manifest.Name | Should -Be 'PatroniHa'
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
        (Get-Module PatroniHa).ModuleType | Should -Be 'Binary'
    }

    It 'exports exactly the cmdlets it lists' {
        $listed = (Import-PowerShellDataFile $manifestPath).CmdletsToExport
        $exported = (Get-Command -Module PatroniHa).Name
        $exported | Sort-Object | Should -Be ($listed | Sort-Object)
        Get-Command -Module PatroniHa | Where-Object CommandType -ne 'Cmdlet' | Should -BeNullOrEmpty
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
    }

    It 'comes from the module''s help file' {
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without help Get-Help makes the syntax line the synopsis.
        $help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($Name) + '\s+\[')
    }

    It 'has a description and examples' {
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $described = @{}
        foreach ($p in @($help.parameters.parameter)) { $described[$p.name] = $p.description.Text -join '' }
        foreach ($parameter in (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $described[$parameter] | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }
}

Describe 'The <Name> view (loaded)' -ForEach $loadedOnly {
    It 'is registered for <TypeName>' {
        Get-FormatData -TypeName $TypeName | Should -Not -BeNullOrEmpty
    }
}

Describe 'The <Name> view' -ForEach $rendered {
    It 'renders a real <TypeName> with Format-<Kind>' {
        $sample = $samples[$TypeName]
        $sample | Should -Not -BeNullOrEmpty -Because "the check needs an object of type $TypeName"
        $text = if ($Kind -eq 'Table') { $sample | Format-Table | Out-String -Width 200 } else { $sample | Format-List | Out-String -Width 200 }
        $text | Should -Match ([regex]::Escape($Heading))
        # The other shape must not fail either.
        $other = if ($Kind -eq 'Table') { $sample | Format-List | Out-String } else { $sample | Format-Table | Out-String }
        $other.Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'Test-PatroniFailover' {
    It 'names the cluster (Patroni 3.0 leaves the scope out of /cluster)' {
        $samples['PatroniHa.Output.FailoverReadiness'].Cluster | Should -Be 'modcheck'
        $samples['PatroniHa.Output.FailoverReadiness'] | Format-List | Out-String | Should -Match 'Cluster\s*:\s*modcheck'
    }
}

Describe 'Get-PatroniTopology -Watch' {
    It 'redraws the member table on the host until stopped' {
        # A child pwsh, as a user runs it in a terminal; the password travels in its environment only.
        $start = New-ChildPwsh '-Command' '
            Import-Module $env:WATCH_MODULE
            $credential = [pscredential]::new($env:WATCH_USER, (ConvertTo-SecureString $env:PATRONI_PASSWORD -AsPlainText -Force))
            $null = Connect-PatroniCluster -ApiEndpoint ($env:WATCH_API -split " ") -Credential $credential
            Get-PatroniTopology -Watch -IntervalSec 1'
        $start.Environment['WATCH_MODULE'] = $manifestPath
        $start.Environment['WATCH_API'] = $sandbox.ApiEndpoint -join ' '
        $start.Environment['WATCH_USER'] = $sandbox.Credential.UserName
        $start.Environment['PATRONI_PASSWORD'] = $sandbox.Credential.GetNetworkCredential().Password
        $process = [System.Diagnostics.Process]::Start($start)
        $output = $process.StandardOutput.ReadToEndAsync()
        $errors = $process.StandardError.ReadToEndAsync()
        # Redrawn every second: let it draw a few times (import and connect take a few seconds), then stop it.
        Start-Sleep -Seconds 8
        $process.HasExited | Should -BeFalse -Because "-Watch runs until stopped ($($errors.IsCompleted ? $errors.Result : ''))"
        $process.Kill($true)
        $process.WaitForExit()
        $text = $output.Result
        $errors.Result | Should -BeNullOrEmpty
        [regex]::Matches($text, 'Member\s+Host\s+Role').Count | Should -BeGreaterOrEqual 2 -Because $text
        $text | Should -Match ([regex]::Escape((Get-PatroniTopology -Session $session).Name))
        $text | Should -Match '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'
    }
}

Describe 'Streaming in a pipeline' {
    It 'stops a query at Select-Object -First without an error' {
        $before = (Get-PatroniHealth -Session $session).Statistics.Errors
        foreach ($i in 1..5) {
            $rows = Invoke-PatroniQuery 'SELECT g FROM generate_series(1, 100000) g' -Session $session | Select-Object -First 2
            $rows.g | Should -Be @(1, 2)
        }
        (Get-PatroniHealth -Session $session).Statistics.Errors | Should -Be $before
        Invoke-PatroniQuery 'SELECT 41 + 1' -As Scalar -Session $session | Should -Be 42
    }

    It 'stops the rows of a write at Select-Object -First, never the write' {
        # Cancelling INSERT … RETURNING after its first row would roll the whole statement back.
        Invoke-PatroniQuery 'DROP TABLE IF EXISTS pester_drain; CREATE TABLE pester_drain (g int)' -Session $session
        $first = Invoke-PatroniQuery 'INSERT INTO pester_drain SELECT g FROM generate_series(1, 20000) g RETURNING g' -Session $session |
            Select-Object -First 1
        $first.g | Should -Be 1
        Invoke-PatroniQuery 'SELECT count(*) FROM pester_drain' -As Scalar -Session $session | Should -Be 20000
    }

    It 'commits a transaction whose block cut a write short with Select-Object -First' {
        Invoke-PatroniQuery 'TRUNCATE pester_drain' -Session $session
        Invoke-PatroniTransaction -Session $session {
            $null = Invoke-PatroniQuery 'INSERT INTO pester_drain SELECT g FROM generate_series(1, 500) g RETURNING g' | Select-Object -First 1
            Invoke-PatroniQuery 'INSERT INTO pester_drain VALUES (0)'
        }
        Invoke-PatroniQuery 'SELECT count(*) FROM pester_drain' -As Scalar -Session $session | Should -Be 501
        Invoke-PatroniQuery 'DROP TABLE pester_drain' -Session $session
    }
}

Describe 'The per-call benchmark (tools/Measure-PatroniCallCost.ps1)' {
    It 'runs and prints every case with its ratio to the raw call' {
        # A smoke run of what the README tells users to run (its own 2-member sandbox, a child pwsh); the figures
        # themselves are the benchmark's business, not a test's.
        $tool = Join-Path $PSScriptRoot '../../tools/Measure-PatroniCallCost.ps1'
        $start = New-ChildPwsh '-File' $tool '-Rounds' '3' '-CallsPerRound' '10' '-WarmupSec' '0' '-Module' $manifestPath
        $process = [System.Diagnostics.Process]::Start($start)
        $errors = $process.StandardError.ReadToEndAsync()
        $text = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $process.ExitCode | Should -Be 0 -Because $errors.Result
        foreach ($case in "Invoke-PatroniQuery 'SELECT 1' -As Scalar", '… -ReadOnly', 'raw Npgsql, leader + Get-PatroniSession') {
            $text | Should -Match ([regex]::Escape($case) + '\s+\d+\s+\d+\.\d\d×') -Because $text
        }
    }
}

Describe 'Tab completion' {
    It 'completes -Session with the session names' {
        $r = TabExpansion2 -inputScript 'Get-PatroniTopology -Session mod' -cursorColumn 'Get-PatroniTopology -Session mod'.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'modcheck'
    }

    It 'completes -Candidate with the cluster''s members' {
        $script = "Test-PatroniFailover -Session modcheck -Candidate "
        $r = TabExpansion2 -inputScript $script -cursorColumn $script.Length
        $r.CompletionMatches.CompletionText | Should -Contain (Get-PatroniTopology -Session $session).Name
    }

    It 'completes -As with its values' {
        $script = "Invoke-PatroniQuery 'SELECT 1' -As "
        $r = TabExpansion2 -inputScript $script -cursorColumn $script.Length
        $r.CompletionMatches.CompletionText | Should -Be @('NonQuery', 'Rows', 'Scalar')
    }
}
