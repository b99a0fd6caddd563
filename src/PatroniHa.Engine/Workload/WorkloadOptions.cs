using PatroniHa.Engine.Errors;

namespace PatroniHa.Engine.Workload;

/// <summary>The seed's load test (--duration 60 --concurrency 10) plus the read share to aim for.</summary>
public sealed record WorkloadOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);
    public int Concurrency { get; init; } = 10;

    /// <summary>Share of statements sent as reads (-ReadOnly); the seed aims for 70–80 % reads.</summary>
    public double ReadRatio { get; init; } = 0.8;

    /// <summary>The scratch table, created and dropped by the run.</summary>
    public string Table { get; init; } = "patroniha_workload";

    public void Validate()
    {
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(24))
            throw Invalid($"Duration must be between 1 second and 24 hours; got {Duration}.");
        if (Concurrency is < 1 or > 1000)
            throw Invalid($"Concurrency must be between 1 and 1000; got {Concurrency}.");
        if (ReadRatio is < 0 or > 1 || double.IsNaN(ReadRatio))
            throw Invalid($"ReadRatio must be between 0 and 1; got {ReadRatio}.");
        if (string.IsNullOrEmpty(Table) || !Table.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(Table[0]))
            throw Invalid($"Table '{Table}' must be a plain identifier (letters, digits, '_').");
    }

    private static PatroniHaException Invalid(string message) =>
        new(PatroniErrorIds.InvalidConfiguration, FailureKind.InvalidArgument, message, nameof(WorkloadOptions));
}
