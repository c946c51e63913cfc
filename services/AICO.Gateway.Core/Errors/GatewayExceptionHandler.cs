using System.Text.Json;
using System.Text.RegularExpressions;
using AICO.Bus;
using AICO.Models.Contracts;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace AICO.Gateway.Errors;

/// <summary>
/// Every exception becomes ProblemDetails with the right status: bad requests (malformed JSON, unbindable query
/// values, oversized bodies) keep their 4xx and say which field and why; model service errors keep their code;
/// a bus timeout is 504. Only a genuine bug is a 500, and its details stay in the log.
/// </summary>
internal sealed partial class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }

        var problem = exception switch
        {
            BadHttpRequestException bad => BadRequest(bad),
            ModelServiceException model => Problem(ModelServiceErrorMapping.StatusCode(model.Code), ModelServiceErrorMapping.Title(model.Code), model.Message, model.Code),
            TimeoutException => Problem(StatusCodes.Status504GatewayTimeout, "Model service timeout", "the model service did not answer in time over the bus", ModelServiceErrorCodes.Timeout),
            BusDeniedException denied => Problem(StatusCodes.Status503ServiceUnavailable, "Bus refused the request", denied.Message, "bus_denied"),
            _ => null,
        };

        if (problem is null)
        {
            LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
            problem = Problem(StatusCodes.Status500InternalServerError, "Internal error", "the gateway failed to handle the request; see its log", "internal");
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails BadRequest(BadHttpRequestException exception)
    {
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(413, "Request body too large", "the request body is larger than the gateway accepts", "too_large");
        }

        if (exception.InnerException is JsonException json)
        {
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
            var reason = json.LineNumber is { } line ? $"is not valid JSON for this request (line {line + 1}, byte {json.BytePositionInLine})" : "is not valid JSON for this request";
            return Validation(field, reason);
        }

        if (BindFailure().Match(exception.Message) is { Success: true } bind)
        {
            return Validation(bind.Groups["name"].Value, $"'{bind.Groups["value"].Value}' is not a valid {bind.Groups["type"].Value.TrimEnd('?')}");
        }

        if (RequiredParameter().Match(exception.Message) is { Success: true } required)
        {
            return required.Groups["source"].Value == "body"
                ? Validation("body", "is required: a JSON object")
                : Validation(required.Groups["name"].Value, "is required");
        }

        if (ImplicitBody().IsMatch(exception.Message))
        {
            return Validation("body", "is required: a JSON object");
        }

        return Problem(exception.StatusCode, "Bad request", exception.Message, "bad_request");
    }

    private static ProblemDetails Validation(string field, string reason) => new HttpValidationProblemDetails(
        new Dictionary<string, string[]> { [field] = [reason] })
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Invalid request",
        Detail = $"{field} {reason}",
        Extensions = { ["code"] = ModelServiceErrorCodes.InvalidRequest },
    };

    private static ProblemDetails Problem(int status, string title, string detail, string code) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Extensions = { ["code"] = code },
    };

    [GeneratedRegex("""Failed to bind parameter "(?<type>\S+) (?<name>\w+)" from "(?<value>[^"]*)"\.""")]
    private static partial Regex BindFailure();

    [GeneratedRegex("""Required parameter "(?<type>\S+) (?<name>\w+)" was not provided from (?:query string|route|header|body)?\s*(?<source>\w*)""")]
    private static partial Regex RequiredParameter();

    [GeneratedRegex("Implicit body inferred")]
    private static partial Regex ImplicitBody();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
