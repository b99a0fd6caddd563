#Requires -Version 7.4
<#
.SYNOPSIS
    A user installs the PowerShell Gallery package (build.ps1 -Task Package) from a local folder repository and
    uses it: Register-PSResourceRepository, Install-PSResource, Import-Module by name, a cmdlet that needs no
    cluster. Runs in a child pwsh with its own HOME, so neither the repository nor the module lands in yours.
.EXAMPLE
    ./build.ps1 -Task Package
    Invoke-Pester -Container (New-PesterContainer -Path ./tests/Pester/PatroniHa.Package.Tests.ps1 -Data @{ Repository = './out/package' })
#>
param(
    # A folder holding PatroniHa.<version>.nupkg.
    [string] $Repository = (Join-Path $PSScriptRoot '../../out/package')
)

BeforeAll {
    $script:nupkg = Get-ChildItem $Repository -Filter 'PatroniHa.*.nupkg' -ErrorAction Ignore | Select-Object -First 1
    $script:userHome = Join-Path ([IO.Path]::GetTempPath()) "patroniha-package-$([guid]::NewGuid().ToString('n'))"
    New-Item -ItemType Directory -Path $userHome | Out-Null

    # What the user types, in a fresh pwsh whose per-user folders (PSResourceGet's repository list, the
    # CurrentUser module path) are under $userHome. Returns what it saw as JSON.
    $userScript = {
        param($repository)
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name PatroniHaLocal -Uri $repository -Trusted
        Install-PSResource -Name PatroniHa -Repository PatroniHaLocal -Scope CurrentUser
        Import-Module PatroniHa
        $module = Get-Module PatroniHa
        $notConnected = try { Invoke-PatroniQuery 'SELECT 1' -ErrorAction Stop; 'no error' } catch { $_.FullyQualifiedErrorId }
        [pscustomobject]@{
            Installed    = @(Get-InstalledPSResource -Name PatroniHa -Scope CurrentUser).Version.ToString()
            ModuleBase   = $module.ModuleBase
            Version      = $module.Version.ToString()
            Commands     = @((Get-Command -Module PatroniHa).Name)
            Sessions     = @(Get-PatroniSession).Count
            NotConnected = $notConnected
            HasHelp      = (Get-Help Connect-PatroniCluster).PSObject.TypeNames -contains 'MamlCommandHelpInfo'
        } | ConvertTo-Json -Compress
    }
    $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; XDG_CACHE_HOME = $env:XDG_CACHE_HOME }
    try {
        $env:HOME = $userHome
        $env:XDG_DATA_HOME = Join-Path $userHome '.local/share'
        $env:XDG_CONFIG_HOME = Join-Path $userHome '.config'
        $env:XDG_CACHE_HOME = Join-Path $userHome '.cache'
        # As in a real home: .NET answers "" for a per-user folder that does not exist yet (PSResourceGet then
        # writes its repository list relative to the current directory).
        foreach ($dir in $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:XDG_CACHE_HOME) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
        $command = "& { $userScript } '$((Resolve-Path $Repository).Path)'"
        # The same pwsh as this one: `dotnet pwsh` runs pwsh.dll under dotnet.
        $hostPath = [Environment]::ProcessPath
        $script:output = if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -eq 'dotnet') {
            & $hostPath (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $command 2>&1
        }
        else {
            & $hostPath -NoProfile -NonInteractive -Command $command 2>&1
        }
        $script:exitCode = $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) { Set-Item "env:$name" -Value $saved[$name] }
    }
    $script:seen = ($output | Select-Object -Last 1 | Out-String) | ConvertFrom-Json -ErrorAction Ignore
    $script:manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../PatroniHa.psd1')
}

AfterAll {
    if ($script:userHome) { Remove-Item $script:userHome -Recurse -Force -ErrorAction Ignore }
}

Describe 'The PowerShell Gallery package' {
    It 'was built' {
        $nupkg | Should -Not -BeNullOrEmpty -Because 'build.ps1 -Task Package writes it'
        $nupkg.Name | Should -Be "PatroniHa.$($manifest.ModuleVersion).nupkg"
    }

    It 'installs from a local folder repository' {
        $exitCode | Should -Be 0 -Because ($output | Out-String)
        Test-Path (Join-Path $PSScriptRoot '../../PSResourceGet') | Should -BeFalse -Because 'nothing may land in the checkout'
        $seen.Installed | Should -Be $manifest.ModuleVersion
        $seen.ModuleBase | Should -BeLike "$userHome*"
        $seen.Version | Should -Be $manifest.ModuleVersion
    }

    It 'imports by name and exports every cmdlet with its help' {
        $seen.Commands | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $seen.HasHelp | Should -BeTrue
    }

    It 'runs cmdlets that need no cluster' {
        $seen.Sessions | Should -Be 0
        $seen.NotConnected | Should -BeLike 'PatroniNotConnected,*'
    }
}
