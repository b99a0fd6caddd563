using PatroniHa.Module.Tests.Infrastructure;
using Xunit;

namespace PatroniHa.Module.Tests.Module;

/// <summary>-WhatIf on cmdlets that change the machine, checked without a server.</summary>
public class WhatIfTests
{
    [Fact]
    public void Start_PatroniSandbox_WhatIf_starts_nothing()
    {
        using var ps = new PowerShellSession();
        string path = Path.Combine(Path.GetTempPath(), "patroniha-whatif-" + Guid.NewGuid().ToString("N")[..8]);
        ScriptResult result = ps.Run($"Start-PatroniSandbox -Path '{path}' -WhatIf");
        Assert.Null(result.FirstError);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(path));
    }
}
