using System.Management.Automation;
using System.Security;

namespace PatroniHa.Module.Tests.Infrastructure;

public static class TestCredentials
{
    public static PSCredential Create(string user, string password)
    {
        var secure = new SecureString();
        foreach (char c in password)
            secure.AppendChar(c);
        secure.MakeReadOnly();
        return new PSCredential(user, secure);
    }
}
