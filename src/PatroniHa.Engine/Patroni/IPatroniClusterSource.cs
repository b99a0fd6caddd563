namespace PatroniHa.Engine.Patroni;

/// <summary>Something that can read GET /cluster from one endpoint; lets discovery be tested without HTTP.</summary>
public interface IPatroniClusterSource
{
    Task<ClusterSnapshot> GetClusterAsync(Uri endpoint, CancellationToken cancellationToken);
}
