using System.Management.Automation;

namespace PatroniHa.Sessions;

/// <summary>Lets -Session take a session object or the name of one of this runspace's sessions.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
        if (value is not string name)
            return value;
        return SessionRegistry.ForCurrentRunspace()?.Find(name)
            ?? throw new ArgumentTransformationMetadataException(
                $"No session named '{name}' in this runspace. Get-PatroniSession lists the sessions; " +
                "Connect-PatroniCluster -Name creates one.");
    }
}
