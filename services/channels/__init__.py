"""The messaging channels beyond the Live Chat: SMS and WhatsApp through Twilio.

Plain services, no Reflex: the webhooks in inbox_app/http only check the signature and call in here.
"""
