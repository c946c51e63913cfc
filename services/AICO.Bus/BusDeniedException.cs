namespace AICO.Bus;

/// <summary>The broker refused an operation; <see cref="Exception.Message"/> carries its reason.</summary>
public sealed class BusDeniedException(string reason) : Exception(reason);
