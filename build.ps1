#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages or demonstrates the PatroniHa module.
.DESCRIPTION
    Build    dotnet build of the solution; leaves an importable module at out/PatroniHa.
    Test     installs nothing; runs the whole xUnit suite (needs postgresql, patroni, etcd-server: .ci/install-deps.sh).
    Package  builds, then copies the module to out/package/PatroniHa/<version> ready for Publish-Module or a file share.
    Demo     builds, imports out/PatroniHa in this pwsh and runs examples/sandbox-demo.ps1 against a local sandbox cluster.
.EXAMPLE
    ./build.ps1 -Task Build
.EXAMPLE
    ./build.ps1 -Task Demo
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$solution = Join-Path $root 'PatroniHaModule.sln'
$moduleDir = Join-Path $root 'out/PatroniHa'

function Invoke-Dotnet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Invoke-Dotnet build $solution -c $Configuration
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleDir 'PatroniHa.psd1')
    Write-Host "Built $($manifest.Name) $($manifest.Version) at $moduleDir"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Dotnet test $solution -c $Configuration }
    'Package' {
        Invoke-Build
        $version = (Import-PowerShellDataFile (Join-Path $moduleDir 'PatroniHa.psd1')).ModuleVersion
        $target = Join-Path $root "out/package/PatroniHa/$version"
        if (Test-Path $target) { Remove-Item $target -Recurse -Force }
        New-Item -ItemType Directory -Path $target -Force | Out-Null
        Copy-Item -Path (Join-Path $moduleDir '*') -Destination $target -Recurse
        Write-Host "Packaged to $target"
    }
    'Demo' {
        Invoke-Build
        # A child pwsh, so the module's assemblies are not left loaded in this session.
        & pwsh -NoProfile -Command "Import-Module '$moduleDir'; & '$(Join-Path $root 'examples/sandbox-demo.ps1')'"
        if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE" }
    }
}
