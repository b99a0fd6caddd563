using PatroniHa.Engine.Configuration;
using PatroniHa.Engine.Errors;
using Xunit;

namespace PatroniHa.Engine.Tests.Configuration;

public class DotEnvFileTests
{
    private static SettingsLayer Parse(string content)
    {
        using var dir = new TempDirectory();
        return DotEnvFile.Parse(dir.Write(".env", content));
    }

    private static PatroniHaException ParseFails(string content, out string path)
    {
        using var dir = new TempDirectory();
        path = dir.Write(".env", content);
        var file = path;
        return Assert.Throws<PatroniHaException>(() => DotEnvFile.Parse(file));
    }

    [Fact]
    public void ReadsTheSeedsExample()
    {
        var layer = Parse("""
            # Enable Patroni mode
            ENABLE_PATRONI=true

            # Patroni REST API endpoints (comma-separated)
            PATRONI_HOSTS=node1,node2,node3
            PATRONI_PORT=8008
            PATRONI_PASSWORD=your_secure_password_here
            PATRONI_FAILOVER_TIMEOUT=15  # Reduce from 30s to 15s
            """);

        Assert.Equal(SettingsSourceKind.DotEnvFile, layer.Kind);
        Assert.Equal("true", layer["ENABLE_PATRONI"]);
        Assert.Equal("node1,node2,node3", layer["patroni_hosts"]); // case-insensitive
        Assert.Equal("15", layer["PATRONI_FAILOVER_TIMEOUT"]);
        Assert.Equal("your_secure_password_here", layer["PATRONI_PASSWORD"]);
        Assert.True(layer.TryGet("PATRONI_PORT", out var port));
        Assert.EndsWith(".env line 6", port.Origin);
    }

    [Fact]
    public void HandlesExportQuotesAndComments()
    {
        var layer = Parse("""
            export PATRONI_USER=dpg_cluster
              export   PATRONI_DB = "my db"  # trailing comment
            PATRONI_PASSWORD='pa$s "quoted" # not a comment'
            PGPASSWORD=ab#cd
            PGAPPNAME="line1\nline2\t\"q\""
            PGHOST=db.example.org # comment after whitespace
            PGSSLMODE=
            PGUSER='multi
            line'
            """);

        Assert.Equal("dpg_cluster", layer["PATRONI_USER"]);
        Assert.Equal("my db", layer["PATRONI_DB"]);
        Assert.Equal("pa$s \"quoted\" # not a comment", layer["PATRONI_PASSWORD"]);
        Assert.Equal("ab#cd", layer["PGPASSWORD"]);
        Assert.Equal("line1\nline2\t\"q\"", layer["PGAPPNAME"]);
        Assert.Equal("db.example.org", layer["PGHOST"]);
        Assert.Null(layer["PGSSLMODE"]); // blank means unset
        Assert.Equal("multi\nline", layer["PGUSER"]);
    }

    [Fact]
    public void WindowsLineEndingsAndLastDuplicateWins()
    {
        var layer = Parse("PGPORT=1\r\nPGPORT=2\r\n");
        Assert.Equal("2", layer["PGPORT"]);
    }

    [Fact]
    public void BadLinesAreAllReportedWithFileAndLineButNoValue()
    {
        var error = ParseFails("""
            PATRONI_HOSTS=node1
            hunter2-not-an-assignment
            1BAD=x
            PATRONI_PASSWORD="unterminated-secret
            """, out var path);

        Assert.Equal(PatroniErrorIds.InvalidConfiguration, error.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, error.Kind);
        Assert.Contains(path, error.Message);
        Assert.Contains("line 2: expected KEY=VALUE", error.Message);
        Assert.Contains("line 3:", error.Message);
        Assert.Contains("line 4:", error.Message);
        Assert.Contains("PATRONI_PASSWORD", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
        Assert.DoesNotContain("unterminated-secret", error.Message);
    }

    [Fact]
    public void TextAfterClosingQuoteIsAnError()
    {
        var error = ParseFails("PGPASSWORD=\"abc\"leak\n", out _);
        Assert.Contains("line 1", error.Message);
        Assert.Contains("PGPASSWORD", error.Message);
        Assert.DoesNotContain("leak", error.Message);
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid(), ".env");
        var error = Assert.Throws<PatroniHaException>(() => DotEnvFile.Parse(path));
        Assert.Equal(PatroniErrorIds.InvalidConfiguration, error.ErrorId);
        Assert.Contains(path, error.Message);
        Assert.Contains("does not exist", error.Message);
    }
}
