"""Copies from where observers already are (issue 18): SMS gateways and a Telegram bot.

- sms_format: the compact SMS format of a form (parse a message); card: the observer's card;
- sms: receive one parsed-or-not SMS, store the copy through the submission service, reply;
- gateways: read the payload shape of each gateway (Telerivet, RapidPro/TextIt, Kannel);
- telegram: one Bot API update (link, a copy in one message, a photo, the guided entry);
- telegram_api: the update shapes read and the Bot API calls made; telegram_link: /link codes;
- guided, guided_text: the guided entry (station buttons, line by line, checks, confirm);
- views: the webhooks, authenticated by the gateway's or bot's shared secret.
"""
