namespace PatroniHa.Engine.Configuration;

public enum ClusterMode
{
    /// <summary>One plain PostgreSQL server (the seed's "single-node").</summary>
    SingleNode,

    /// <summary>A Patroni cluster found through its REST API (the seed's "patroni-ha").</summary>
    PatroniHa,
}
