using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using AICO.Gateway.Endpoints;
using AICO.Gateway.ModelService;
using AICO.Models.Contracts;

namespace AICO.Gateway.Tests;

/// <summary>
/// The gateway copies each token of a model service frame into its SSE event without decoding it, so the frame check
/// is what stands between a bad frame and the client's event stream: nothing it lets through may break SSE framing.
/// </summary>
public class ChatTokensFrameTests
{
    [Theory]
    [InlineData("{\"deltas\":[\"a\nevent: done\ndata: {}\n\n\"]}")] // a raw line break inside a string
    [InlineData("{\"deltas\":[\"a\rb\"]}")]
    [InlineData("{\"deltas\":[\"a\"],\"deltas\":[\"b\"]}")]
    [InlineData("{\"deltas\":[null]}")]
    [InlineData("{\"deltas\":[1]}")]
    [InlineData("{\"deltas\":\"a\"}")]
    [InlineData("{\"deltas\":[[\"a\"]]}")]
    [InlineData("{\"other\":[\"a\"]}")]
    [InlineData("[\"a\"]")]
    [InlineData("{\"deltas\":[\"a\"]} trailing")]
    [InlineData("{\"deltas\":[\"a\"]")]
    [InlineData("")]
    public void A_frame_that_is_not_a_list_of_json_strings_is_refused_as_unreadable(string payload)
    {
        var refused = Assert.Throws<ModelServiceException>(() => ChatTokensFrame.Read(Encoding.UTF8.GetBytes(payload)));

        Assert.Equal(ModelServiceErrorCodes.Internal, refused.Code);
        Assert.Contains("unreadable chat tokens frame", refused.Message);
    }

    [Fact]
    public void A_frame_with_invalid_utf8_inside_a_string_is_refused()
    {
        byte[] payload = [.. "{\"deltas\":[\"a"u8, 0xC3, 0x28, .. "\"]}"u8];

        Assert.Throws<ModelServiceException>(() => ChatTokensFrame.Read(payload));
    }

    [Fact]
    public void Fields_a_newer_model_service_adds_are_skipped()
    {
        var frame = ChatTokensFrame.Read("{\"first\":{\"x\":[1,2]},\"deltas\":[\"a\",\"b\"],\"last\":\"z\"}"u8.ToArray());

        Assert.Equal(2, frame.Count);
        Assert.Equal(["a", "b"], Deltas(frame));
    }

    [Fact]
    public async Task Tokens_with_quotes_escapes_line_breaks_and_non_ascii_reach_the_sse_client_exactly_as_the_model_wrote_them()
    {
        string[] tokens = ["plain ", "\"quoted\"", "back\\slash", "line\nbreak\r\n", "\u00e9t\u00e9 \u4e2d\u6587 \ud83d\ude00", "<b>&amp;</b>", "", "event: done\n\n"];
        var frame = ChatTokensFrame.Read(JsonSerializer.SerializeToUtf8Bytes(new ChatTokens(tokens), ModelServiceJsonContext.Default.ChatTokens));
        var output = new ArrayBufferWriter<byte>();

        var written = ChatEventWriter.WriteTokens(output, frame);
        written += ChatEventWriter.WriteFinal(output, new ChatStreamEvent(null, "m", string.Concat(tokens)));

        Assert.Equal(output.WrittenCount, written);
        var events = await SseParser.Create(new MemoryStream(output.WrittenSpan.ToArray())).EnumerateAsync().ToListAsync();
        Assert.Equal([.. tokens.Select(_ => "token"), "done"], events.Select(e => e.EventType));
        Assert.Equal(tokens, events.SkipLast(1).Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("delta").GetString()));
        var done = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal("m", done.GetProperty("model").GetString());
        Assert.Equal(string.Concat(tokens), done.GetProperty("content").GetString());
    }

    [Fact]
    public async Task An_error_event_carries_the_code_and_reason()
    {
        var output = new ArrayBufferWriter<byte>();

        ChatEventWriter.WriteFinal(output, new ChatStreamEvent(null, Error: new ErrorReply("timeout", "no answer\nin time")));

        var item = Assert.Single(await SseParser.Create(new MemoryStream(output.WrittenSpan.ToArray())).EnumerateAsync().ToListAsync());
        Assert.Equal("error", item.EventType);
        var error = JsonDocument.Parse(item.Data).RootElement.GetProperty("error");
        Assert.Equal("timeout", error.GetProperty("code").GetString());
        Assert.Equal("no answer\nin time", error.GetProperty("reason").GetString());
    }

    private static List<string> Deltas(ChatTokensFrame frame)
    {
        var deltas = new List<string>();
        foreach (var delta in frame)
        {
            deltas.Add(Encoding.UTF8.GetString(delta));
        }

        return deltas;
    }
}
