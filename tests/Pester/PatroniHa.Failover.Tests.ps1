#Requires -Modules PatroniHa
# The seed's "Test 3: Failover Simulation" and a planned switchover as a Pester 5 suite, to run against a
# staging cluster after migrating from single-node to Patroni HA:
#
#   $data = @{ ApiEndpoint = 'node1:8008', 'node2:8008', 'node3:8008'; Credential = Get-Credential }
#   Invoke-Pester -Container (New-PesterContainer -Path ./tests/Pester/PatroniHa.Failover.Tests.ps1 -Data $data) -ExcludeTag Manual
#
# The 'Manual' test waits while you stop PostgreSQL on the primary (sudo systemctl stop postgresql).
param(
    [string[]] $ApiEndpoint = @('localhost:8008'),
    [pscredential] $Credential,
    # Patroni's restapi.authentication user, if POST /switchover needs one.
    [pscredential] $ApiCredential,
    [int] $ObserveSec = 120
)

BeforeAll {
    $session = Connect-PatroniCluster -ApiEndpoint $ApiEndpoint -Credential $Credential -Name failover-tests
    $api = @{}
    if ($ApiCredential) { $api.ApiCredential = $ApiCredential }
}

AfterAll {
    $session | Disconnect-PatroniCluster
}

Describe 'Failover readiness' {
    It 'could fail over right now' {
        $ready = Test-PatroniFailover -Session $session
        $ready.Failed.Detail | Should -BeNullOrEmpty
        $ready.Passed | Should -BeTrue
    }
}

Describe 'Planned switchover under a probe workload' {
    It 'moves the leader without losing or duplicating an acknowledged write' {
        $drill = Test-PatroniFailover -Switchover -Session $session @api -Confirm:$false
        $drill.NewPrimary | Should -Not -Be $drill.OldPrimary
        $drill.TimelineAfter | Should -BeGreaterThan $drill.TimelineBefore
        $drill.WritesLost | Should -Be 0
        $drill.WritesDuplicated | Should -Be 0
        $drill.Passed | Should -BeTrue
    }

    It 'switches back with Invoke-PatroniSwitchover' {
        $members = Invoke-PatroniSwitchover -Session $session @api -Confirm:$false
        ($members | Where-Object Role -eq 'Leader').Name | Should -Not -BeNullOrEmpty
        (Get-PatroniSession -Name failover-tests).Primary | Should -Not -BeNullOrEmpty
    }
}

Describe 'Failover simulation (seed Test 3)' -Tag Manual {
    It 'keeps working when the primary is stopped' {
        $leader = (Get-PatroniTopology -Session $session -Refresh | Where-Object Role -eq 'Leader').Name
        Write-Host "Stop PostgreSQL on $leader now (sudo systemctl stop postgresql); watching for $ObserveSec s."
        $drill = Test-PatroniFailover -Observe -DurationSec $ObserveSec -Session $session -Confirm:$false -Verbose
        $drill.NewPrimary | Should -Not -Be $leader
        $drill.WritesLost | Should -Be 0
        $drill.WritesDuplicated | Should -Be 0
        $drill.WritesResumed | Should -BeTrue
        $drill.Passed | Should -BeTrue
    }
}
