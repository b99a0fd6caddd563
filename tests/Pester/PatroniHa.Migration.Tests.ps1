#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
<#
.SYNOPSIS
    The migration guide's test procedures as a Pester suite: connectivity, read/write split, health,
    and (with -Tag Failover) a failover drill. Runs against a real cluster, or a local sandbox by default.
.EXAMPLE
    # Against a local sandbox cluster (needs postgresql, patroni, etcd-server):
    Invoke-Pester ./tests/Pester/PatroniHa.Migration.Tests.ps1 -Output Detailed
.EXAMPLE
    # Against your cluster:
    $container = New-PesterContainer -Path ./tests/Pester/PatroniHa.Migration.Tests.ps1 -Data @{
        ApiEndpoint = 'node1', 'node2', 'node3'; Credential = Get-Credential dpg_cluster; Database = 'distributed_postgres_cluster' }
    Invoke-Pester -Container $container -Output Detailed
#>
param(
    [string[]] $ApiEndpoint,
    [pscredential] $Credential,
    [string] $Database = 'postgres'
)

BeforeAll {
    # This checkout's build (out/PatroniHa) when there is one, else the installed PatroniHa module.
    $built = Join-Path $PSScriptRoot '../../out/PatroniHa/PatroniHa.psd1'
    Import-Module $(if (Test-Path $built) { $built } else { 'PatroniHa' })
    $script:moduleManifest = Join-Path (Get-Module PatroniHa).ModuleBase 'PatroniHa.psd1'

    if (-not $ApiEndpoint) {
        $script:sandbox = Start-PatroniSandbox -Nodes 3 -SynchronousMode
        $ApiEndpoint = $sandbox.ApiEndpoint
        $Credential = $sandbox.Credential
    }
    $script:endpoints = $ApiEndpoint
    $script:credential = $Credential
    $script:session = Connect-PatroniCluster -ApiEndpoint $ApiEndpoint -Credential $Credential -Database $Database -Name migration -Consistency ReadYourWrites -MaxWaitMs 5000
    Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS patroniha_migration_test (id bigserial PRIMARY KEY, data text NOT NULL)' -As NonQuery -Session $session | Out-Null
}

AfterAll {
    if ($script:session) {
        Invoke-PatroniQuery 'DROP TABLE IF EXISTS patroniha_migration_test' -As NonQuery -Session $session -ErrorAction SilentlyContinue | Out-Null
        Disconnect-PatroniCluster -Session $session
    }
    if ($script:sandbox) { $script:sandbox | Stop-PatroniSandbox -Confirm:$false }
}

Describe 'Prerequisites' {
    It 'meets the migration guide''s prerequisites on every member, from this machine' {
        # The guide's "Prerequisites" and "Step 1": a leader, 2+ streaming replicas (fewer: a warning), every REST API
        # and PostgreSQL login reachable from here, one PostgreSQL major version, Patroni 2.0+. Checked without the
        # session, as a migration starts. Add -Extension ruvector (the application's extensions) to check those too.
        $readiness = Test-PatroniMigration -ApiEndpoint $endpoints -Credential $credential -Database $Database
        $readiness.Failed | ForEach-Object { "$_" } | Should -BeNullOrEmpty -Because $readiness.Verdict
        $readiness.Passed | Should -BeTrue
    }
}

Describe 'Test 1: Basic connectivity' {
    It 'discovers a cluster with exactly one leader' {
        $members = Get-PatroniTopology -Session $session -Refresh
        $members | Where-Object Role -eq 'Leader' | Should -HaveCount 1
        $members | Where-Object State -in 'running', 'streaming' | Should -HaveCount $members.Count
    }

    It 'reports the seed''s health_check() as healthy in patroni mode' {
        $health = Get-PatroniHealth -Session $session
        $health.Mode | Should -Be 'patroni'
        $health.HaCluster.ClusterTopology | Should -Be 'healthy'
        $health.HaCluster.Primary.InRecovery | Should -BeFalse
        $health.HaCluster.Replicas.InRecovery | Should -Not -Contain $false
    }

    It 'fails with a stable error id without a session' {
        { Get-PatroniTopology -Session nosuchsession -ErrorAction Stop } | Should -Throw -ErrorId 'PatroniSessionNotFound,*'
    }
}

Describe 'Test 2: Read/write splitting' {
    It 'writes on the primary' {
        $row = Invoke-PatroniQuery 'INSERT INTO patroniha_migration_test (data) VALUES (@data) RETURNING id, pg_is_in_recovery() AS on_replica' -Parameters @{ data = 'test' } -Session $session
        $row.on_replica | Should -BeFalse
        $script:insertId = $row.id
    }

    It 'reads the row back from a replica' {
        # Read-your-writes: a replica that has replayed the insert serves it (waiting up to 5 s for one).
        $result = Invoke-PatroniQuery 'SELECT id, data, pg_is_in_recovery() AS on_replica FROM patroniha_migration_test WHERE id = @id' -Parameters @{ id = $script:insertId } -ReadOnly -Consistency ReadYourWrites -MaxWaitMs 5000 -Session $session
        $result.data | Should -Be 'test'
        $result.on_replica | Should -BeTrue
    }
}

Describe 'Test 3: Failover simulation' -Tag Failover {
    It 'the cluster could fail over now' {
        (Test-PatroniFailover -Session $session).Passed | Should -BeTrue
    }

    It 'a planned switchover loses and duplicates no write' {
        $drill = Test-PatroniFailover -Switchover -Session $session -Confirm:$false
        $drill.WritesLost | Should -Be 0
        $drill.WritesDuplicated | Should -Be 0
        $drill.NewPrimary | Should -Not -Be $drill.OldPrimary
        $drill.Passed | Should -BeTrue
    }
}

Describe 'Test 4: Load' -Tag Load {
    It 'serves concurrent reads and writes with no error' {
        $manifest = $moduleManifest
        $errors = 1..10 | ForEach-Object -ThrottleLimit 10 -Parallel {
            Import-Module $using:manifest
            # Each runspace has its own sessions: a parallel script block connects its own.
            $s = Connect-PatroniCluster -ApiEndpoint $using:endpoints -Credential $using:credential -Database $using:Database -Name "load$_" -ErrorAction Stop
            foreach ($i in 1..50) {
                try {
                    Invoke-PatroniQuery 'INSERT INTO patroniha_migration_test (data) VALUES (@d)' -Parameters @{ d = "load $i" } -As NonQuery -Session $s | Out-Null
                    Invoke-PatroniQuery 'SELECT count(*) FROM patroniha_migration_test' -ReadOnly -As Scalar -Session $s | Out-Null
                }
                catch { $_ }
            }
            Disconnect-PatroniCluster -Session $s
        }
        $errors | Should -BeNullOrEmpty
        (Get-PatroniHealth -Session $session).Statistics.Errors | Should -Be 0
    }
}
