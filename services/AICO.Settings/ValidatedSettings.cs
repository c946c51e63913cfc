using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AICO.Settings;

/// <summary>
/// Settings bound from one configuration section and checked when the host starts: a key the class does not have
/// (a misspelling), a value that does not parse or one outside its declared range stops the host with a message that
/// names the full configuration key.
/// </summary>
public static class ValidatedSettings
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> with ValidateOnStart; also injectable as the plain instance.</summary>
    public static OptionsBuilder<TOptions> AddValidatedSettings<TOptions>(this IServiceCollection services, string section) where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new ConfigurationSectionValidator<TOptions>(section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<TOptions>>().Value);
        return services.AddOptions<TOptions>()
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
    }

    /// <summary>
    /// The same binding and checks, now: for the few values a host needs while it is still being built (Kestrel
    /// limits, AppHost resources), before any service provider exists.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is unknown, malformed or out of range.</exception>
    public static TOptions Read<TOptions>(IConfiguration configuration, string section) where TOptions : class, new()
    {
        TOptions options;
        try
        {
            options = configuration.GetSection(section).Get<TOptions>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new TOptions();
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(section, typeof(TOptions), [$"{section}: {ex.Message}"]);
        }

        var result = new ConfigurationSectionValidator<TOptions>(section).Validate(null, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(TOptions), result.Failures) : options;
    }
}
