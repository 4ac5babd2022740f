"""Microsoft Teams front: Adaptive Cards and the activity handlers that call the core."""

import warnings

# The Teams SDK warns at import that a preview feature (HTML widgets) may change.
# staffvoice does not use it, and the warning would otherwise start every command's output.
warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
