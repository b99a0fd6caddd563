using PatroniHa.Engine.Errors;
using PatroniHa.Engine.Sandbox;

namespace PatroniHa.Engine.Tests.Infrastructure;

/// <summary>
/// Integration tests need etcd, Patroni and PostgreSQL installed. A missing one fails the test with the
/// install command; it never skips, so a broken CI image cannot pass silently.
/// </summary>
public static class PrerequisiteCheck
{
    public static SandboxBinaries EnsureSandboxBinaries()
    {
        try
        {
            return SandboxBinaries.Locate(new SandboxOptions());
        }
        catch (PatroniHaException e) when (e.ErrorId == PatroniErrorIds.SandboxBinaryMissing)
        {
            throw new PrerequisiteMissingException(
                $"{e.Message} Integration tests start a local Patroni cluster; run .ci/install-deps.sh as root "
                + "to install etcd-server, patroni and postgresql.", e);
        }
    }
}

public sealed class PrerequisiteMissingException(string message, Exception inner) : Exception(message, inner);
