//! imip-agent: calendar scheduling over e-mail (iMIP, RFC 6047) for people and resources.
