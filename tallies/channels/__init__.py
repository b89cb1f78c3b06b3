"""Copies from where observers already are (issue 18): SMS gateways now, messengers later.

- sms_format: the compact SMS format of a form (parse a message, print the observer's card);
- sms: receive one parsed-or-not SMS, store the copy through the submission service, reply;
- gateways: read the payload shape of each gateway (Telerivet, RapidPro/TextIt, Kannel);
- views: the webhook, authenticated by the gateway's shared secret.
"""
