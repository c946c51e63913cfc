using AICO.Benchmarks;

// Usage: dotnet run -c Release --project tests/AICO.Benchmarks -- <benchmark> [options]
// Each benchmark measures AICO side by side with its raw baseline in the same run and prints a table for the README.
return await BenchmarkCatalog.RunAsync(args);
