using System.Management.Automation;
using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Cluster;

/// <summary>A session's monitor and pools end with its runspace, or when the module is removed.</summary>
[Collection(SandboxCollection.Name)]
public class LifecycleTests(SandboxFixture cluster)
{
    [Fact]
    public void Closing_the_runspace_disconnects_its_sessions()
    {
        PSObject session;
        using (var ps = cluster.Connect())
            session = ps.Ok("Get-PatroniSession -Default").Single();
        Assert.Equal(false, session.Properties["IsConnected"].Value);
    }

    [Fact]
    public void Removing_the_module_disconnects_this_runspaces_sessions_only()
    {
        using var other = cluster.Connect();
        using var ps = cluster.Connect();
        PSObject session = ps.Ok("Get-PatroniSession -Default").Single();
        ps.Ok("Remove-Module PatroniHa");
        Assert.Equal(false, session.Properties["IsConnected"].Value);
        Assert.Equal(true, other.Ok("(Get-PatroniSession -Default).IsConnected").Single().BaseObject);
        Assert.Equal(1, other.Ok("Invoke-PatroniQuery 'SELECT 1' -As Scalar").Single().BaseObject);
    }
}
