using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sandbox;
using Xunit;

namespace PatroniHa.Engine.Tests.Sandbox;

public sealed class SandboxOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void NodesOutsideOneToSevenAreRejected(int nodes)
    {
        var e = Assert.Throws<PatroniHaException>(() => new SandboxOptions { Nodes = nodes }.Validate());
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void TimingsPatroniWouldRewriteAreRejected()
    {
        var e = Assert.Throws<PatroniHaException>(() => new SandboxOptions { Ttl = 5, RetryTimeout = 4 }.Validate());
        Assert.Contains("Ttl", e.Message);
    }

    [Fact]
    public void DefaultsAreValid()
    {
        var o = new SandboxOptions();
        o.Validate();
        Assert.Equal((3, "sandbox", 10, 1, 4), (o.Nodes, o.Scope, o.Ttl, o.LoopWait, o.RetryTimeout));
        Assert.Equal(TimeSpan.FromSeconds(90), o.StartTimeout);
    }

    [Fact]
    public async Task NonEmptyFolderIsRefusedBecauseDisposalWouldDeleteIt()
    {
        var dir = Directory.CreateTempSubdirectory("patroniha-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "keep.txt"), "precious");
            var e = await Assert.ThrowsAsync<PatroniHaException>(() => SandboxCluster.StartAsync(new SandboxOptions { Path = dir }));
            Assert.Equal(PatroniErrorIds.InvalidConfiguration, e.ErrorId);
            Assert.True(File.Exists(Path.Combine(dir, "keep.txt")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
