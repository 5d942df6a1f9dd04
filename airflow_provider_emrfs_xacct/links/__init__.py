"""Extra links to the AWS console, shown in a task's Extra Links like the Amazon provider's."""
