/// <summary>Marks a resource the AppHost restarts when its process dies unexpectedly.</summary>
internal sealed class SupervisedAnnotation(SupervisionOptions options) : IResourceAnnotation
{
    public SupervisionOptions Options { get; } = options;
}
