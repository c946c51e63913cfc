using AICO.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

/// <summary><c>.WithSupervision()</c>: the AppHost restarts this process when it crashes (see <see cref="RestartPolicy"/>).</summary>
internal static class SupervisionExtensions
{
    public static IResourceBuilder<ProjectResource> WithSupervision(this IResourceBuilder<ProjectResource> resource)
    {
        var builder = resource.ApplicationBuilder;
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ResourceSupervisor>());
        var options = ValidatedSettings.Read<SupervisionOptions>(builder.Configuration, SupervisionOptions.Section);
        return resource.WithAnnotation(new SupervisedAnnotation(options));
    }
}
