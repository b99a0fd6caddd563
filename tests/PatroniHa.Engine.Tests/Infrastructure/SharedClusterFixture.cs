using PatroniHa.Engine.Sandbox;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PatroniHa.Engine.Tests.Infrastructure;

/// <summary>A sandbox started once for a fixture's tests and torn down after them.</summary>
public abstract class SandboxClusterFixture(IMessageSink diagnostics, SandboxOptions options) : IAsyncLifetime
{
    private SandboxCluster? _cluster;

    public SandboxCluster Cluster =>
        _cluster ?? throw new InvalidOperationException($"The sandbox cluster '{options.Scope}' is not started.");

    /// <summary>Starts the sandbox; a fixture that prepares more (tables, extensions) overrides and calls this first.</summary>
    public virtual async Task InitializeAsync()
    {
        PrerequisiteCheck.EnsureSandboxBinaries();
        _cluster = await SandboxCluster.StartAsync(options,
            line => diagnostics.OnMessage(new DiagnosticMessage($"[{options.Scope} sandbox] {line}")));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

/// <summary>
/// One 3-node sandbox for the whole test run, shared by read-only tests: put
/// <c>[Collection(SharedClusterCollection.Name)]</c> on the class and take this fixture in the constructor.
/// Do not kill, stop, switch over or reconfigure it; tests that do need their own cluster
/// (<see cref="OwnClusterCollection"/>).
/// </summary>
public sealed class SharedClusterFixture(IMessageSink diagnostics)
    : SandboxClusterFixture(diagnostics, new SandboxOptions { Scope = "shared" });

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "SharedCluster";
}

/// <summary>
/// For tests that start their own (destructive) sandbox. Runs alone, after the parallel collections, so
/// that two clusters do not fight over the machine's cores and skew failover timings.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OwnClusterCollection
{
    public const string Name = "OwnCluster";
}
