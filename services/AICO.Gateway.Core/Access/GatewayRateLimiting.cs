using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace AICO.Gateway.Access;

/// <summary>
/// A fixed window of requests per bearer token (partitioned by its jti, so two tokens of one user are limited
/// apart and a token cannot be shared to escape its own limit). Refusals are 429 problem+json with Retry-After.
/// </summary>
internal static class GatewayRateLimiting
{
    public const string PerTokenPolicy = "per-token";

    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, GatewayOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PerTokenPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                TokenId(context),
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RateLimitPermits,
                    Window = options.RateLimitWindow,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = (rejected, _) => RejectAsync(rejected, options.RateLimitPermits);
        });
        return services;
    }

    private static string TokenId(HttpContext context) =>
        context.User.FindFirst("jti")?.Value ?? context.User.Identity?.Name ?? "anonymous";

    private static async ValueTask RejectAsync(OnRejectedContext rejected, int permits)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"this token may make at most {permits} requests per window; retry after {seconds} s",
            },
        });
    }
}
