"""Direct-message events. They always name their recipients (the conversation's current
participants, or one of them): there is no audience to compute, and nobody else receives them."""

from essaim.core.events import declare

MESSAGE_CREATED = "message.created"
CONVERSATION_READ = "conversation.read"
CONVERSATION_UPDATED = "conversation.updated"

declare(MESSAGE_CREATED, CONVERSATION_READ, CONVERSATION_UPDATED)
