using System.Diagnostics;
using AICO.Gateway.ModelService;
using AICO.Models.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;

namespace AICO.Gateway.Endpoints;

/// <summary>The log category of the gateway's model service requests.</summary>
public sealed class ModelServiceRequestLog;

/// <summary>POST /api/v1/chat and /api/v1/embeddings: validated here, answered by the model service.</summary>
internal static partial class ModelEndpoints
{
    public const string EventStream = "text/event-stream";

    public static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/chat", ChatAsync)
            .WithName("Chat")
            .WithSummary("Chat completion from the model service; stream=true answers server-sent events: 'token' events, then 'done'.")
            .Produces<ChatReply>(StatusCodes.Status200OK, "application/json")
            .AddOpenApiOperationTransformer(DescribeEventStreamAsync)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        api.MapPost("/embeddings", EmbeddingsAsync)
            .WithName("Embeddings")
            .WithSummary("Sentence embeddings (all-MiniLM-L6-v2, 384 dimensions, unit length), one vector per input.")
            .Produces<EmbeddingsReply>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return api;
    }

    private static async Task<IResult> ChatAsync([FromBody] ChatRequest request, IModelServiceClient models, ILogger<ModelServiceRequestLog> log, CancellationToken cancellationToken)
    {
        var errors = RequestValidation.Check(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }), title: "Invalid request");
        }

        LogRequest(log, "chat", request.Messages.Count, Activity.Current?.TraceId.ToString() ?? "none");
        if (!request.Stream)
        {
            return TypedResults.Ok(await models.ChatAsync(request, cancellationToken));
        }

        // The first event is awaited before the response starts, so a failure up to then is a proper problem response;
        // it is written the moment it arrives, and every later one as it comes (a disconnect cancels the model's work).
        var events = models.StreamChatAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            if (!await events.MoveNextAsync())
            {
                throw new ModelServiceException(ModelServiceErrorCodes.Internal, "the model service ended the stream without an answer");
            }
        }
        catch
        {
            await events.DisposeAsync();
            throw;
        }

        return new ChatEventStreamResult(Relay(events, log));
    }

    private static async Task<IResult> EmbeddingsAsync([FromBody] EmbeddingsRequest request, IModelServiceClient models, ILogger<ModelServiceRequestLog> log, CancellationToken cancellationToken)
    {
        var errors = RequestValidation.Check(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }), title: "Invalid request");
        }

        LogRequest(log, "embeddings", request.Input.Count, Activity.Current?.TraceId.ToString() ?? "none");
        return TypedResults.Ok(await models.EmbedAsync(request, cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model service {Operation} request with {Items} items (trace {TraceId})")]
    private static partial void LogRequest(ILogger logger, string operation, int items, string traceId);

    /// <summary>One status can carry only one Produces type, so the event stream's content is added here.</summary>
    private static async Task DescribeEventStreamAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            response.Content[EventStream] = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(typeof(ChatStreamEvent), null, cancellationToken) };
        }
    }

    private static async IAsyncEnumerable<ChatStreamPart> Relay(IAsyncEnumerator<ChatStreamPart> events, ILogger log)
    {
        await using (events)
        {
            yield return events.Current;
            while (true)
            {
                ChatStreamPart? failure = null;
                try
                {
                    if (!await events.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (ex is ModelServiceException or TimeoutException or Bus.BusDeniedException)
                {
                    LogStreamFailed(log, ex.Message);
                    failure = ChatStreamPart.Of(new ChatStreamEvent(null, Error: new ErrorReply(ex is ModelServiceException m ? m.Code : ex is TimeoutException ? ModelServiceErrorCodes.Timeout : "bus_denied", ex.Message)));
                }

                yield return failure ?? events.Current;
                if (failure is not null)
                {
                    yield break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat stream failed after its first event: {Reason}")]
    private static partial void LogStreamFailed(ILogger logger, string reason);
}
