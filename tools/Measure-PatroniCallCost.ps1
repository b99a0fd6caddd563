#Requires -Version 7.4
<#
.SYNOPSIS
    Per-call cost of the cmdlets against raw Npgsql called from the same pwsh: the same statement on the same
    servers, interleaved rounds, ratios against the raw baseline measured in the same run.
.DESCRIPTION
    Starts a 2-member sandbox cluster (needs postgresql, patroni, etcd-server), connects a session, and times
    batches of calls of each case:
      raw leader     $dataSource.CreateCommand('SELECT 1').ExecuteScalar() on the leader (Npgsql's own pool)
      cmdlet         Invoke-PatroniQuery 'SELECT 1' -As Scalar
      raw replica    the same raw call on the replica
      cmdlet -ReadOnly  Invoke-PatroniQuery 'SELECT 1' -As Scalar -ReadOnly
      trivial cmdlet Get-PatroniSession (what any cmdlet call costs in pwsh)
      raw + trivial  both in one call: the floor for any binary cmdlet that wraps the raw call
    The first batch of each case is what a new session's first calls cost; then come -WarmupSec seconds of
    interleaved batches (the JIT's tiered compilation takes thousands of calls to settle, and until then a call
    costs 2-3x its steady-state time), then -Rounds rounds in a new random order each. It prints the median per-call
    time over the rounds with the ratio to its raw baseline, the same for the CPU time the calling (pipeline)
    thread spent per call (Linux), and the first batch's figures.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh ./tools/Measure-PatroniCallCost.ps1
#>
[CmdletBinding()]
param(
    [ValidateRange(3, 1000)] [int] $Rounds = 30,
    [ValidateRange(10, 100000)] [int] $CallsPerRound = 200,
    # Interleaved calls of every case before measuring: the JIT (tiered compilation) and PowerShell's script
    # compiler take thousands of calls to settle, and until then a call costs 2-3x its steady-state time.
    [ValidateRange(0, 600)] [int] $WarmupSec = 20,
    [string] $Module = (Join-Path $PSScriptRoot '../out/PatroniHa/PatroniHa.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$dependencies = Join-Path (Split-Path (Get-Module PatroniHa).Path) 'Dependencies'
if (-not (Test-Path $dependencies)) { $dependencies = Join-Path (Get-Module PatroniHa).ModuleBase 'Dependencies' }
# Raw Npgsql in pwsh's own load context (the module keeps its copy in a context of its own).
foreach ($dll in 'Microsoft.Extensions.DependencyInjection.Abstractions', 'Microsoft.Extensions.Logging.Abstractions', 'Npgsql') {
    if (-not ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $dll -and [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_) -eq [Runtime.Loader.AssemblyLoadContext]::Default })) {
        Add-Type -Path (Join-Path $dependencies "$dll.dll")
    }
}

# CPU time of the calling thread (Linux getrusage RUSAGE_THREAD): steadier than wall time on a shared machine,
# where client and server compete for the same cores.
if ($IsLinux -and -not ('CallCostThreadCpu' -as [type])) {
    Add-Type -TypeDefinition @'
using System.Runtime.InteropServices;
public static class CallCostThreadCpu
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage { public long UserSec, UserMicros, SystemSec, SystemMicros; [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)] public long[] Rest; }
    [DllImport("libc")] private static extern int getrusage(int who, ref Rusage usage);
    public static double Micros()
    {
        var r = new Rusage { Rest = new long[14] };
        getrusage(1, ref r);
        return (r.UserSec + r.SystemSec) * 1e6 + r.UserMicros + r.SystemMicros;
    }
}
'@
}
$threadCpu = if ('CallCostThreadCpu' -as [type]) { { [CallCostThreadCpu]::Micros() } } else { { 0.0 } }

$sandbox = Start-PatroniSandbox -Nodes 2 -Name callcost
try {
    $session = $sandbox | Connect-PatroniCluster -Name callcost -Default
    $members = Get-PatroniTopology -Refresh
    $leader = $members | Where-Object Role -eq 'Leader'
    $replica = $members | Where-Object Role -ne 'Leader' | Select-Object -First 1
    $password = $sandbox.Credential.GetNetworkCredential().Password
    function New-RawSource($member) {
        $b = [Npgsql.NpgsqlConnectionStringBuilder]::new()
        $b.Host = $member.Host; $b.Port = $member.Port; $b.Database = 'postgres'
        $b.Username = $sandbox.Credential.UserName; $b.Password = $password
        [Npgsql.NpgsqlDataSource]::Create($b.ConnectionString)
    }
    $rawLeader = New-RawSource $leader
    $rawReplica = New-RawSource $replica

    $cases = [ordered]@{
        'raw Npgsql, leader'                        = { $c = $rawLeader.CreateCommand('SELECT 1'); $null = $c.ExecuteScalar(); $c.Dispose() }
        "Invoke-PatroniQuery 'SELECT 1' -As Scalar" = { $null = Invoke-PatroniQuery 'SELECT 1' -As Scalar }
        'raw Npgsql, replica'                       = { $c = $rawReplica.CreateCommand('SELECT 1'); $null = $c.ExecuteScalar(); $c.Dispose() }
        '  … -ReadOnly'                             = { $null = Invoke-PatroniQuery 'SELECT 1' -As Scalar -ReadOnly }
        'Get-PatroniSession (any cmdlet call)'      = { $null = Get-PatroniSession }
        # What wrapping the raw call in any binary cmdlet would cost: the floor for Invoke-PatroniQuery.
        'raw Npgsql, leader + Get-PatroniSession'   = { $null = Get-PatroniSession; $c = $rawLeader.CreateCommand('SELECT 1'); $null = $c.ExecuteScalar(); $c.Dispose() }
    }
    $baselineOf = @{
        "Invoke-PatroniQuery 'SELECT 1' -As Scalar" = 'raw Npgsql, leader'
        '  … -ReadOnly'                             = 'raw Npgsql, replica'
        'raw Npgsql, leader + Get-PatroniSession'   = 'raw Npgsql, leader'
    }
    $perRound = @{}; $cpuPerRound = @{}; $firstRound = @{}
    foreach ($name in $cases.Keys) { $perRound[$name] = [Collections.Generic.List[double]]::new(); $cpuPerRound[$name] = [Collections.Generic.List[double]]::new() }
    $sw = [Diagnostics.Stopwatch]::new()
    # One batch of one case: wall and calling-thread CPU per call. The loop is the same for every case: its cost
    # is in every row.
    $timeBatch = {
        param($body)
        $cpu = & $threadCpu
        $sw.Restart()
        foreach ($i in 1..$CallsPerRound) { & $body }
        $sw.Stop()
        $sw.Elapsed.TotalMicroseconds / $CallsPerRound
        ((& $threadCpu) - $cpu) / $CallsPerRound
    }
    # Warm-up: the first batch of each case is what a new session's first calls cost (each side JIT-compiles its
    # own code, the module's Npgsql included); then interleaved batches until the JIT's tiering has settled.
    foreach ($name in $cases.Keys) { $firstRound[$name] = (& $timeBatch $cases[$name])[0] }
    $warmupEnd = [DateTime]::UtcNow.AddSeconds($WarmupSec)
    while ([DateTime]::UtcNow -lt $warmupEnd) { foreach ($case in $cases.Values) { foreach ($i in 1..$CallsPerRound) { & $case } } }
    foreach ($round in 1..$Rounds) {
        # A new order each round, so no case always runs after the same neighbour.
        foreach ($name in ($cases.Keys | Get-Random -Shuffle)) {
            $wall, $cpu = & $timeBatch $cases[$name]
            $perRound[$name].Add($wall)
            $cpuPerRound[$name].Add($cpu)
        }
    }
    $median = { param($values) $s = $values | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
    $ratio = { param($value, $base) if ($base) { '{0:0.00}×' -f ($value / $base) } else { '' } }
    $rows = foreach ($name in $cases.Keys) {
        $base = $baselineOf[$name]
        $m = & $median $perRound[$name]
        $c = & $median $cpuPerRound[$name]
        [pscustomobject]@{
            Case             = $name
            'Median µs/call' = [int]$m
            'Ratio'          = & $ratio $m ($base ? (& $median $perRound[$base]) : $null)
            'CPU µs/call'    = [int]$c
            'CPU ratio'      = & $ratio $c ($base ? (& $median $cpuPerRound[$base]) : $null)
            'First batch µs/call' = [int]$firstRound[$name]
            'First ratio'    = & $ratio $firstRound[$name] ($base ? $firstRound[$base] : $null)
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
    # The figures only compare within one run: say how busy the machine was.
    $load = if (Test-Path /proc/loadavg) { ', load average ' + ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { '' }
    "Rounds: $Rounds × $CallsPerRound calls per case, interleaved; pwsh $($PSVersionTable.PSVersion), $([Runtime.InteropServices.RuntimeInformation]::FrameworkDescription), $([Environment]::ProcessorCount) cores$load"
    $rows
}
finally {
    Get-PatroniSession | Disconnect-PatroniCluster
    if ($rawLeader) { $rawLeader.Dispose() }
    if ($rawReplica) { $rawReplica.Dispose() }
    $sandbox | Stop-PatroniSandbox -Confirm:$false
}
