using System.Net;
using PatroniHa.Engine.Configuration;
using Xunit;

namespace PatroniHa.Engine.Tests.Configuration;

public class SecretLeakTests
{
    [Fact]
    public void ToStringOfEveryProducedRecordHidesThePassword()
    {
        using var dir = new TempDirectory();
        var patroni = ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase.With(
            ("PATRONI_RESTAPI_USERNAME", "patroni"), ("PATRONI_RESTAPI_PASSWORD", Layers.Secret)))]);
        var singleNode = ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase.With(("ENABLE_PATRONI", "false")))]);
        var overridden = ClusterOptionsResolver.Resolve([Layers.Env(Layers.PatroniBase)], null,
            new NetworkCredential("admin", Layers.Secret));

        object[] produced =
        [
            patroni, patroni.Api, patroni.Tls, patroni.Credential!, patroni.Api.Credential!,
            singleNode, singleNode.Api, singleNode.Tls, overridden,
        ];
        foreach (var item in produced)
            Assert.DoesNotContain(Layers.Secret, item.ToString());

        // The layers and raw values that carry the password, too.
        var layer = Layers.Env(Layers.PatroniBase);
        Assert.DoesNotContain(Layers.Secret, layer.ToString());
        Assert.True(layer.TryGet("PATRONI_PASSWORD", out var raw));
        Assert.DoesNotContain(Layers.Secret, raw.ToString());
        Assert.Contains("***", raw.ToString());
    }
}
