namespace ActorNet.Testing;

/// <summary>
/// An expectation of <see cref="ConnectionHarness"/> was not met; the message says what was expected and what
/// arrived instead (bytes, printable, and events such as FIN or a reset).
/// </summary>
public sealed class ExpectationFailedException(string message) : Exception(message);
