#Requires -Version 7.4
<#
.SYNOPSIS
    Per-call cost of the cmdlets against raw Npgsql called from the same pwsh: the same statement on the same
    servers, interleaved rounds, ratios against the raw baseline measured in the same run.
.DESCRIPTION
    Starts a 2-member sandbox cluster (needs postgresql, patroni, etcd-server), connects a session, and then, per
    round, times a batch of calls of each case in turn:
      raw leader     $dataSource.CreateCommand('SELECT 1').ExecuteScalar() on the leader (Npgsql's own pool)
      cmdlet         Invoke-PatroniQuery 'SELECT 1' -As Scalar
      raw replica    the same raw call on the replica
      cmdlet -ReadOnly  Invoke-PatroniQuery 'SELECT 1' -As Scalar -ReadOnly
      trivial cmdlet Get-PatroniSession (what any cmdlet call costs in pwsh)
    and prints the median per-call time over the rounds with the ratio to its raw baseline, and the same for the
    CPU time the calling (pipeline) thread spent per call (Linux), which a busy machine disturbs far less.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh ./tools/Measure-PatroniCallCost.ps1
#>
[CmdletBinding()]
param(
    [ValidateRange(3, 1000)] [int] $Rounds = 15,
    [ValidateRange(10, 100000)] [int] $CallsPerRound = 200,
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
    }
    $baselineOf = @{
        "Invoke-PatroniQuery 'SELECT 1' -As Scalar" = 'raw Npgsql, leader'
        '  … -ReadOnly'                             = 'raw Npgsql, replica'
    }
    # Each case once as a warm-up (pools open, JIT done), then interleaved rounds.
    foreach ($case in $cases.Values) { foreach ($i in 1..20) { & $case } }
    $perRound = @{}; $cpuPerRound = @{}
    foreach ($name in $cases.Keys) { $perRound[$name] = [Collections.Generic.List[double]]::new(); $cpuPerRound[$name] = [Collections.Generic.List[double]]::new() }
    $sw = [Diagnostics.Stopwatch]::new()
    foreach ($round in 1..$Rounds) {
        foreach ($name in $cases.Keys) {
            $body = $cases[$name]
            # The loop is the same for every case: its cost is in every row.
            $cpu = & $threadCpu
            $sw.Restart()
            foreach ($i in 1..$CallsPerRound) { & $body }
            $sw.Stop()
            $cpuPerRound[$name].Add(((& $threadCpu) - $cpu) / $CallsPerRound)
            $perRound[$name].Add($sw.Elapsed.TotalMicroseconds / $CallsPerRound)
        }
    }
    $median = { param($values) $s = $values | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }
    $rows = foreach ($name in $cases.Keys) {
        $m = & $median $perRound[$name]
        $base = $baselineOf[$name]
        [pscustomobject]@{
            Case             = $name
            'Median µs/call' = [math]::Round($m)
            'Ratio'          = if ($base) { '{0:0.00}×' -f ($m / (& $median $perRound[$base])) } else { '' }
            'CPU µs/call'    = [math]::Round((& $median $cpuPerRound[$name]))
            'CPU ratio'      = if ($base) { '{0:0.00}×' -f ((& $median $cpuPerRound[$name]) / (& $median $cpuPerRound[$base])) } else { '' }
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
