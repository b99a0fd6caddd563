using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Sandbox;
using PatroniHa.Engine.Tests.Infrastructure;

// In the Transactions namespace so the name reaches TransactionTests and no other test.
namespace PatroniHa.Engine.Tests.Transactions;

/// <summary>
/// Only so Transactions/TransactionTests (another branch's file) still compiles: it calls ProbeWorkload.Options.
/// Delete once it calls <see cref="SandboxTestSupport.FastSessionOptions"/>; the probe workload is Drills/ProbeWorkload.
/// </summary>
internal static class ProbeWorkload
{
    public static ClusterOptions Options(SandboxCluster cluster) => SandboxTestSupport.FastSessionOptions(cluster);
}
