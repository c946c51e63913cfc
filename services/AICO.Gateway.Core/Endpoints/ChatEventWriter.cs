using System.Buffers;
using System.Text.Json;
using AICO.Gateway.ModelService;

namespace AICO.Gateway.Endpoints;

/// <summary>
/// Encodes a chat's server-sent events straight into the response's buffer: `event: token`, `data: {"delta":"..."}`
/// and a blank line per token, from pre-encoded bytes and the token's JSON string as the model service sent it;
/// the done and error events through a <see cref="Utf8JsonWriter"/>. Fields that are null are left out.
/// </summary>
internal static class ChatEventWriter
{
    private static ReadOnlySpan<byte> TokenStart => "event: token\ndata: {\"delta\":\""u8;
    private static ReadOnlySpan<byte> TokenEnd => "\"}\n\n"u8;
    private static ReadOnlySpan<byte> DoneStart => "event: done\ndata: "u8;
    private static ReadOnlySpan<byte> ErrorStart => "event: error\ndata: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    /// <summary>One token event per delta of <paramref name="frame"/>; returns the bytes written.</summary>
    public static int WriteTokens(IBufferWriter<byte> output, ChatTokensFrame frame)
    {
        var written = 0;
        foreach (var delta in frame)
        {
            var length = TokenStart.Length + delta.Length + TokenEnd.Length;
            var span = output.GetSpan(length);
            TokenStart.CopyTo(span);
            delta.CopyTo(span[TokenStart.Length..]);
            TokenEnd.CopyTo(span[(TokenStart.Length + delta.Length)..]);
            output.Advance(length);
            written += length;
        }

        return written;
    }

    /// <summary>The done event (model, whole content) or the error event (code, reason); returns the bytes written.</summary>
    public static int WriteFinal(IBufferWriter<byte> output, ChatStreamEvent final)
    {
        var start = final.Error is null ? DoneStart : ErrorStart;
        output.Write(start);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        if (final.Error is { } error)
        {
            json.WriteStartObject("error");
            json.WriteString("code", error.Code);
            json.WriteString("reason", error.Reason);
            json.WriteEndObject();
        }
        else
        {
            WriteIfSet(json, "model", final.Model);
            WriteIfSet(json, "content", final.Content);
        }

        json.WriteEndObject();
        json.Flush();
        output.Write(EventEnd);
        return start.Length + (int)json.BytesCommitted + EventEnd.Length;
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
