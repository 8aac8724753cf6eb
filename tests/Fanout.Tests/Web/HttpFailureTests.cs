using Fanout.Web;
using Xunit;

namespace Fanout.Tests.Web;

public sealed class HttpFailureTests
{
    [Theory]
    [InlineData(429, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(404, false)]
    [InlineData(400, false)]
    [InlineData(501, false)]
    public void IsRetryableStatus_classifies_transient_statuses(int status, bool retryable) =>
        Assert.Equal(retryable, HttpFailure.IsRetryableStatus(status));

    [Fact]
    public void Describe_names_the_inner_cause_on_one_line()
    {
        var error = new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset\nby peer"));

        Assert.Equal("An error occurred while sending the request. (Connection reset by peer)", HttpFailure.Describe(error));
    }
}
