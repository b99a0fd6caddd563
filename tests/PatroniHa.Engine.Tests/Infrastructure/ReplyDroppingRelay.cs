using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PatroniHa.Engine.Tests.Infrastructure;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of one PostgreSQL server. <see cref="Arm"/> picks the next connection that
/// sends anything: the server's answer on it is swallowed up to and including the ReadyForQuery that ends it, and
/// then the client's side is closed. So the statement ran to its end on the server (COMMIT included) and the
/// client never hears: "committed, reply lost", reproducibly.
/// </summary>
public sealed class ReplyDroppingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private int _armed;
    private readonly TaskCompletionSource _dropped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReplyDroppingRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes once a whole answer was dropped and its client cut off.</summary>
    public Task Dropped => _dropped.Task;

    public void Arm() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            var server = new TcpClient();
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }
            _ = RelayAsync(client, server);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            var victim = new StrongBox();
            Task up = PumpUpAsync(client.GetStream(), server.GetStream(), victim);
            Task down = PumpDownAsync(server.GetStream(), client, victim);
            await Task.WhenAny(up, down);
        }
        catch (Exception)
        {
            // A side closed.
        }
        finally
        {
            client.Dispose();
            // The server side stays open while the test runs: its backend must not see a disconnect early.
        }
    }

    private async Task PumpUpAsync(NetworkStream from, NetworkStream to, StrongBox victim)
    {
        var buffer = new byte[65536];
        while (true)
        {
            int n = await from.ReadAsync(buffer, _stop.Token);
            if (n == 0)
                return;
            // Only a connection past its login (it has seen a ReadyForQuery) can be the victim.
            if (victim.Ready && !victim.Value && Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
                victim.Value = true;
            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }

    private async Task PumpDownAsync(NetworkStream from, TcpClient client, StrongBox victim)
    {
        var buffer = new byte[65536];
        var pending = new List<byte>();
        NetworkStream to = client.GetStream();
        while (true)
        {
            int n = await from.ReadAsync(buffer, _stop.Token);
            if (n == 0)
                return;
            if (!victim.Value)
            {
                // Every answer ends with ReadyForQuery ('Z', length 5, status), and the server flushes there.
                if (n >= 6 && buffer[n - 6] == (byte)'Z' && buffer[n - 5] == 0 && buffer[n - 4] == 0 && buffer[n - 3] == 0 && buffer[n - 2] == 5)
                    victim.Ready = true;
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                continue;
            }
            // Armed: swallow whole messages until a ReadyForQuery ('Z') ends the answer, then cut the client off.
            pending.AddRange(buffer.AsSpan(0, n).ToArray());
            int offset = 0;
            while (pending.Count - offset >= 5)
            {
                byte type = pending[offset];
                int length = BinaryPrimitives.ReadInt32BigEndian(pending.GetRange(offset + 1, 4).ToArray());
                if (pending.Count - offset < 1 + length)
                    break;
                offset += 1 + length;
                if (type == (byte)'Z')
                {
                    client.Client.Close();
                    _dropped.TrySetResult();
                    return;
                }
            }
            pending.RemoveRange(0, offset);
        }
    }

    private sealed class StrongBox
    {
        public volatile bool Value;
        public volatile bool Ready;
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (TcpClient s in _sockets)
                s.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
