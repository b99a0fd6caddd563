using System.Net;
using System.Net.Sockets;

namespace PatroniHa.Engine.Sandbox;

/// <summary>Free loopback TCP ports, chosen by the kernel.</summary>
internal static class FreePorts
{
    /// <summary>Returns <paramref name="count"/> distinct ports. All listeners stay open until every port is
    /// chosen, so the kernel cannot hand out the same port twice.</summary>
    public static int[] Allocate(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
