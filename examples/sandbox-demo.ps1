#Requires -Version 7.4
<#
.SYNOPSIS
    The module's main job on a local sandbox cluster: discover the topology, split reads from writes,
    check health, and follow a planned switchover without losing or repeating a write. Needs the Debian packages postgresql, patroni and etcd-server (see .ci/install-deps.sh).
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 7)]
    [int] $Nodes = 3
)
$ErrorActionPreference = 'Stop'

$sandbox = Start-PatroniSandbox -Nodes $Nodes
try {
    # Read-your-writes: a read after this session's write goes to a replica that has replayed it
    # (waiting up to 5 s for one, then the leader).
    $session = $sandbox | Connect-PatroniCluster -Name demo -Consistency ReadYourWrites -MaxWaitMs 5000
    "Connected: $session, primary $($session.Primary)"

    # patronictl list, as objects
    Get-PatroniTopology | Out-Default

    # Test 2 of the migration guide: write to the primary, read from a replica.
    Invoke-PatroniQuery 'CREATE TABLE IF NOT EXISTS test_table (id serial PRIMARY KEY, data text NOT NULL)' -As NonQuery | Out-Null
    $id = Invoke-PatroniQuery 'INSERT INTO test_table (data) VALUES (@data) RETURNING id' -Parameters @{ data = 'test' } -As Scalar
    "Inserted ID: $id"

    # Replication is asynchronous, but the session reads its own writes: the row is always there.
    $row = Invoke-PatroniQuery 'SELECT id, data, inet_server_port() AS served_by_port, pg_is_in_recovery() AS on_replica FROM test_table WHERE id = @id' -Parameters @{ id = $id } -ReadOnly
    "Read result (from a replica):"
    $row | Out-Default

    # health_check(): every server asked directly
    $health = Get-PatroniHealth
    $health | Out-Default
    "Primary:"
    $health.HaCluster.Primary | Out-Default
    "Replicas:"
    $health.HaCluster.Replicas | Out-Default

    # Could the cluster fail over now? Then a planned switchover drill under a probe workload:
    # nothing lost, nothing written twice, and how long writes and reads were unavailable.
    Test-PatroniFailover | Out-Default
    Test-PatroniFailover -Switchover -Confirm:$false | Out-Default
    "After the switchover (the session followed by itself; primary now $($session.Primary)):"
    Get-PatroniTopology -Refresh | Out-Default
}
finally {
    Get-PatroniSession | Disconnect-PatroniCluster
    $sandbox | Stop-PatroniSandbox -Confirm:$false
}
