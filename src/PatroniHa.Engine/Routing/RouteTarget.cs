namespace PatroniHa.Engine.Routing;

/// <summary>A server a query can be sent to: a Patroni member, or the single-node server.</summary>
public sealed record RouteTarget(string Name, string Host, int Port, bool IsLeader)
{
    public string Address => $"{Host}:{Port}";

    public override string ToString() => Name == Address ? Address : $"{Name} ({Address})";
}
