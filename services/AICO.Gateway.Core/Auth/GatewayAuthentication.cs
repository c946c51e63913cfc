using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AICO.Gateway.Auth;

internal static class GatewayAuthentication
{
    /// <summary>
    /// Bearer JWTs signed with the installation key. The user policy (chat, embeddings) admits the user and admin
    /// roles; the admin policy (logs, admin) only admin. A token that passed is not checked again until it expires
    /// (<see cref="ValidatedTokenCache"/>).
    /// </summary>
    public static IServiceCollection AddGatewayAuthentication(this IServiceCollection services, byte[] signingKey)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.IncludeErrorDetails = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = GatewayTokenIssuer.Issuer,
                ValidAudience = GatewayTokenIssuer.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(signingKey),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                RoleClaimType = GatewayTokenIssuer.RoleClaim,
                NameClaimType = "sub",
            };
        });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TimeProvider>((options, time) =>
        {
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(new ValidatedTokenCache(time));
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(GatewayRoles.AdminPolicy, policy => policy.RequireRole(GatewayRoles.Admin))
            .AddPolicy(GatewayPolicies.User, policy => policy.RequireRole(GatewayRoles.User, GatewayRoles.Admin));
        return services;
    }
}
