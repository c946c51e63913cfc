using System.Security.Cryptography;

namespace AICO.Bus;

/// <summary>
/// The connection id used in state, status, WELCOME and logs: a keyed hash of the routing id (key random per broker run),
/// so it reveals nothing about NetMQ's sequential routing ids and cannot be used to predict or claim one.
/// </summary>
internal sealed class ConnectionIds
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Of(byte[] routingId) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, routingId).AsSpan(0, 8));
}
