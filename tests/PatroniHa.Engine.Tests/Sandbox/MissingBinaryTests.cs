using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sandbox;
using Xunit;

namespace PatroniHa.Engine.Tests.Sandbox;

/// <summary>A missing program names the Debian package that provides it, and leaves nothing behind.</summary>
public sealed class MissingBinaryTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "etcd", "etcd-server" },
        { "patroni", "patroni" },
        { "postgres", "postgresql" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MissingBinaryGivesSandboxBinaryMissingNamingThePackage(string binary, string package)
    {
        var nowhere = Path.Combine(Path.GetTempPath(), "patroniha-no-such-dir", binary);
        var path = Path.Combine(Path.GetTempPath(), "patroniha-missing-" + Guid.NewGuid().ToString("N")[..8]);
        var options = binary switch
        {
            "etcd" => new SandboxOptions { EtcdPath = nowhere, Path = path },
            "patroni" => new SandboxOptions { PatroniPath = nowhere, Path = path },
            _ => new SandboxOptions { PostgresBinDir = nowhere, Path = path },
        };

        var e = await Assert.ThrowsAsync<PatroniHaException>(() => SandboxCluster.StartAsync(options));

        Assert.Equal(PatroniErrorIds.SandboxBinaryMissing, e.ErrorId);
        Assert.Equal(FailureKind.NotInstalled, e.Kind);
        Assert.Equal(binary, e.Target);
        Assert.Contains($"'{binary}'", e.Message);
        Assert.Contains($"apt-get install -y {package}", e.Message);
        Assert.False(Directory.Exists(path));
    }
}
