namespace PatroniHa.Engine.Errors;

/// <summary>
/// Every failure the engine reports to a user. Carries a stable <see cref="ErrorId"/>, a
/// <see cref="Kind"/> and the object it concerns; the message says what to do. Never put a password
/// in the message or the target.
/// </summary>
public class PatroniHaException : Exception
{
    public PatroniHaException(string errorId, FailureKind kind, string message, object? target = null,
        Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }
    public object? Target { get; }
}
