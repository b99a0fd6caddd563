@{
    RootModule           = 'PatroniHa.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b7f2c1e-9a4d-4b8e-8f0c-2d6a1e3b7c94'
    Author               = 'PatroniHa contributors'
    CompanyName          = 'PatroniHa'
    Copyright            = '(c) PatroniHa contributors. MIT License.'
    Description          = 'Work with a PostgreSQL cluster managed by Patroni as one dependable database: topology discovery, read/write splitting, fast failover handling, single-node and HA modes.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('PatroniHa.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-PatroniCluster'
        'Disconnect-PatroniCluster'
        'Get-PatroniSession'
        'Get-PatroniTopology'
        'Invoke-PatroniQuery'
        'Get-PatroniHealth'
        'Start-PatroniSandbox'
        'Stop-PatroniSandbox'
        'Switch-PatroniMode'
        'Test-PatroniFailover'
        'Test-PatroniMigration'
        'Invoke-PatroniSwitchover'
        'Invoke-PatroniFailover'
        'Measure-PatroniWorkload'
        'Get-PatroniHistory'
        'Get-PatroniConfiguration'
        'Set-PatroniConfiguration'
        'Suspend-PatroniCluster'
        'Resume-PatroniCluster'
        'Restart-PatroniMember'
        'Clear-PatroniScheduledRestart'
        'Clear-PatroniScheduledSwitchover'
        'Invoke-PatroniReload'
        'Invoke-PatroniReinitialize'
        'Wait-PatroniCluster'
        'Restart-PatroniCluster'
        'Get-PatroniReadStatistics'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PostgreSQL', 'Patroni', 'HA', 'Failover', 'Database', 'Npgsql', 'Linux', 'PSEdition_Core')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'First release: sessions, topology, read/write routing, sandbox cluster.'
        }
    }
}
