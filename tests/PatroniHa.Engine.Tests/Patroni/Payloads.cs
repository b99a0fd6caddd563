namespace PatroniHa.Engine.Tests.Patroni;

internal static class Payloads
{
    public static string Read(string version, string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Payloads", version, file));
}
