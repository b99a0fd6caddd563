using System.Management.Automation;
using Xunit;

namespace PatroniHa.Module.Tests.Migration;

/// <summary>A Test-PatroniMigration result's rows as plain tuples, for assertions and test output.</summary>
internal static class ReadinessRows
{
    public sealed record Row(string Check, string Member, string Status, string Detail)
    {
        public override string ToString() => $"{Status,-7} {Check,-20} {Member,-10} {Detail}";
    }

    public static List<Row> Of(PSObject result) =>
        ((object[])result.Properties["Checks"].Value).Select(PSObject.AsPSObject).Select(c => new Row(
            (string)c.Properties["Check"].Value,
            (string)c.Properties["Member"].Value,
            c.Properties["Status"].Value.ToString()!,
            (string)c.Properties["Detail"].Value)).ToList();

    /// <summary>Every member's Login row failed, each detail says all of <paramref name="reasons"/>, and nothing else failed.</summary>
    public static void OnlyLoginsFailed(List<Row> rows, int members, params string[] reasons)
    {
        var logins = rows.Where(r => r.Check == "Login").ToList();
        Assert.Equal(members, logins.Count);
        Assert.All(logins, r =>
        {
            Assert.Equal("Failed", r.Status);
            foreach (string reason in reasons)
                Assert.Contains(reason, r.Detail);
        });
        Assert.All(rows.Where(r => r.Status == "Failed"), r => Assert.Equal("Login", r.Check));
    }

    public static bool Passed(PSObject result) => (bool)result.Properties["Passed"].Value;

    public static string Verdict(PSObject result) => (string)result.Properties["Verdict"].Value;

    public static string[] Members(PSObject result) => (string[])result.Properties["Members"].Value;

    public static string Leader(PSObject result) => (string)result.Properties["Leader"].Value;
}
