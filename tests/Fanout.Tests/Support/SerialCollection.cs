using Xunit;

namespace Fanout.Tests.Support;

/// <summary>Tests that measure the whole process (heap, timing) and so run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
