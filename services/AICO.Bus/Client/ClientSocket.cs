using AICO.Security;
using NetMQ;
using NetMQ.Sockets;

namespace AICO.Bus;

/// <summary>Handles one single-part frame from the broker (never empty).</summary>
internal delegate void FrameHandler(ReadOnlySpan<byte> frame);

/// <summary>The DEALER socket of one connection attempt: CURVE client towards the configured broker key, with its limits.</summary>
internal static class ClientSocket
{
    private const int ReceiveBurst = 1024;

    public static DealerSocket Create(BusClientOptions options, CurveKeyPair keys, byte[] brokerPublic)
    {
        var socket = new DealerSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Options.CurveServerKey = brokerPublic;
        socket.Options.CurveCertificate = NetMQCertificate.CreateFromSecretKey(keys.SecretKeyZ85);
        socket.Options.SendHighWatermark = 10_000;
        socket.Options.ReceiveHighWatermark = 20_000;
        // The broker's frames are at most one message or ~256 KiB of batched records.
        socket.Options.MaxMsgSize = Math.Max(options.MaxMessageBytes, 256 * 1024) + 128 * 1024;
        socket.Options.ReconnectInterval = TimeSpan.FromMilliseconds(100);
        return socket;
    }

    /// <summary>Reads what the socket holds (up to a burst) while <paramref name="current"/> says it is still the session's socket; empty and multipart frames are skipped.</summary>
    public static void Receive(DealerSocket socket, Func<bool> current, FrameHandler onFrame)
    {
        var msg = default(Msg);
        msg.InitEmpty();
        try
        {
            for (var i = 0; i < ReceiveBurst && current(); i++)
            {
                if (!socket.TryReceive(ref msg, TimeSpan.Zero))
                {
                    break;
                }

                if (msg.Size > 0 && !msg.HasMore)
                {
                    onFrame(msg.Slice());
                }
            }
        }
        finally
        {
            msg.Close();
        }
    }
}
