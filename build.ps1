#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages or demonstrates the PatroniHa module.
.DESCRIPTION
    Build    dotnet build of the solution; leaves an importable module in out/PatroniHa.
    Test     Build, Package, then the xUnit suite (dotnet test) and the Pester suites (Pester), and one closing
             line with the totals; fails when any test failed. Needs postgresql, patroni, etcd-server and the
             pinned pwsh/Pester from NuGet: run `bash .ci/install-deps.sh` once.
    Pester   Only the Pester suites in tests/Pester (module check, package install, migration, failover), each
             against its own sandbox cluster where it needs one; expects Build and Package to have run.
    Package  Build, then a PowerShell Gallery package (.nupkg) in out/package: install it with
             Register-PSResourceRepository -Uri out/package and Install-PSResource PatroniHa.
    Demo     Build, then examples/sandbox-demo.ps1 in a child pwsh against a local sandbox cluster.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Demo
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Package', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$solution = Join-Path $root 'PatroniHaModule.sln'
$moduleDir = Join-Path $root 'out/PatroniHa'
$packageDir = Join-Path $root 'out/package'
$resultsDir = Join-Path $root 'out/test-results'

# Plain functions ($args), so dotnet's own switches (-c, -v …) pass through untouched.
function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# A child pwsh of the same build as this one: `dotnet pwsh` runs pwsh.dll under dotnet, an installed pwsh is its own host.
function Invoke-ChildPwsh {
    $hostPath = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -eq 'dotnet') {
        & $hostPath (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @args
    }
    else {
        & $hostPath -NoProfile -NonInteractive @args
    }
}

function Invoke-Build {
    Invoke-Dotnet build $solution -c $Configuration --nologo -v quiet
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleDir 'PatroniHa.psd1')
    Write-Host "Built $($manifest.Name) $($manifest.Version) at $moduleDir"
}

# The module as the Gallery would ship it: no debug symbols.
function Invoke-Package {
    $staging = Join-Path $packageDir 'staging/PatroniHa'
    Remove-Item $packageDir -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Path $staging -Force | Out-Null
    Copy-Item -Path (Join-Path $moduleDir '*') -Destination $staging -Recurse -Exclude '*.pdb'
    Get-ChildItem $staging -Recurse -Filter '*.pdb' | Remove-Item
    Compress-PSResource -Path $staging -DestinationPath $packageDir
    Remove-Item (Split-Path $staging) -Recurse -Force
    $nupkg = Get-ChildItem $packageDir -Filter 'PatroniHa.*.nupkg' | Select-Object -First 1
    if (-not $nupkg) { throw "Compress-PSResource left no PatroniHa .nupkg in $packageDir" }
    Write-Host "Packaged $($nupkg.FullName)"
}

# Pester, pinned in tools/Pester/Pester.csproj, from the NuGet package folder (restored by .ci/install-deps.sh).
function Import-PinnedPester {
    $version = ([xml](Get-Content (Join-Path $root 'tools/Pester/Pester.csproj') -Raw)).Project.PropertyGroup.PesterVersion
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $manifest = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) {
        Invoke-Dotnet restore (Join-Path $root 'tools/Pester') --nologo -v quiet
    }
    Import-Module $manifest -Force
}

function Invoke-PesterSuites {
    # The suites run as a user runs them: not under this script's strict mode.
    Set-StrictMode -Off
    Import-PinnedPester
    $suites = Join-Path $root 'tests/Pester'
    $config = New-PesterConfiguration
    $config.Run.Container = @(
        New-PesterContainer -Path (Join-Path $suites 'PatroniHa.Module.Tests.ps1')
        New-PesterContainer -Path (Join-Path $suites 'PatroniHa.Package.Tests.ps1') -Data @{ Repository = $packageDir }
        New-PesterContainer -Path (Join-Path $suites 'PatroniHa.Migration.Tests.ps1')
        New-PesterContainer -Path (Join-Path $suites 'PatroniHa.Failover.Tests.ps1')
    )
    $config.Run.PassThru = $true
    $config.Filter.ExcludeTag = 'Manual'
    $config.Output.Verbosity = 'Detailed'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = Join-Path $resultsDir 'pester.xml'
    $result = Invoke-Pester -Configuration $config
    # Containers that failed to load (BeforeAll, #Requires) count as failures too.
    $failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    [pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed } |
        ConvertTo-Json | Set-Content (Join-Path $resultsDir 'pester-summary.json')
    "Pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped"
    if ($failed -gt 0) { exit 1 }
}

# xUnit totals, and the failed tests with the start of their messages, from the .trx files dotnet test wrote.
function Get-XunitTotals {
    $passed = 0; $failed = 0; $failures = [System.Collections.Generic.List[string]]::new()
    foreach ($trx in Get-ChildItem (Join-Path $resultsDir 'xunit') -Filter '*.trx' -ErrorAction Ignore) {
        $run = ([xml](Get-Content $trx.FullName -Raw)).TestRun
        $counters = $run.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        foreach ($result in @($run.Results.UnitTestResult) | Where-Object { $_ -and $_.outcome -ne 'Passed' -and $_.outcome -ne 'NotExecuted' }) {
            $message = "$($result.Output.ErrorInfo.Message)" -split "`n" | Select-Object -First 3
            $failures.Add("$($result.testName) ($($result.outcome), $($result.duration)): $($message -join ' | ')")
        }
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Failures = $failures }
}

function Invoke-Test {
    Invoke-Build
    Invoke-Package
    Remove-Item $resultsDir -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Path $resultsDir -Force | Out-Null

    & dotnet test $solution -c $Configuration --no-build --nologo --logger trx --results-directory (Join-Path $resultsDir 'xunit')
    $xunitExit = $LASTEXITCODE
    $xunit = Get-XunitTotals

    # A child pwsh: the suites load the module, which cannot be unloaded from this one.
    Invoke-ChildPwsh -File $PSCommandPath -Task Pester -Configuration $Configuration
    $pesterExit = $LASTEXITCODE
    $summary = Join-Path $resultsDir 'pester-summary.json'
    $pester = if (Test-Path $summary) { Get-Content $summary -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }

    # dotnet test failing without a failed test (a crash, a build error) counts as one failure.
    $xunitFailed = [math]::Max($xunit.Failed, [int]($xunitExit -ne 0))
    $pesterFailed = [math]::Max($pester.Failed, [int]($pesterExit -ne 0))
    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunitFailed + $pesterFailed
    # Repeated last, where a CI log's tail shows them.
    foreach ($failure in $xunit.Failures) { Write-Host "xUnit failed: $failure" }
    Write-Host "xUnit: $($xunit.Passed) passed, $xunitFailed failed; Pester: $($pester.Passed) passed, $pesterFailed failed"
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Pester' {
        New-Item -ItemType Directory -Path $resultsDir -Force | Out-Null
        Invoke-PesterSuites
    }
    'Package' {
        Invoke-Build
        Invoke-Package
    }
    'Demo' {
        Invoke-Build
        # A child pwsh, so the module's assemblies are not left loaded in this session.
        Invoke-ChildPwsh -Command "Import-Module '$moduleDir'; & '$(Join-Path $root 'examples/sandbox-demo.ps1')'"
        if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE" }
    }
}
