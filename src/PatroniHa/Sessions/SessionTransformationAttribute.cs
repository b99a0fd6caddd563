using System.Management.Automation;

namespace PatroniHa.Sessions;

/// <summary>
/// Lets -Session take a session object or the name of one of this runspace's sessions; a name of none binds as
/// <see cref="PatroniSession.Unresolved"/>, which the cmdlet reports as PatroniSessionNotFound.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
        if (value is not string name)
            return value;
        // An unknown name binds as a stand-in: the cmdlet then fails with PatroniSessionNotFound (ObjectNotFound),
        // which a binding error (ParameterArgumentTransformationError) could not carry.
        return SessionRegistry.ForCurrentRunspace()?.Find(name) ?? PatroniSession.Unresolved(name);
    }
}
