/**
 * A small table of real operators (MCC/MNC and names are public facts), used to give
 * simulated SIMs plausible identities. It mixes 2-digit and 3-digit MNCs on purpose:
 * IMSI parsing must not assume either (docs/protocols/at-commands.md#sim-iccid-and-imsi: MNC length depends on the MCC).
 *
 * USSD codes: the Russian "my number" codes are the ones public code uses
 * (docs/protocols/at-commands.md#own-number, marked unverified there); the reply texts and every other code are
 * illustrative. MTS answers "my number" with an SMS rather than a USSD text in at least
 * one public implementation (docs/protocols/at-commands.md#own-number), which the simulator reproduces.
 */

export interface UssdReply {
  /** Text of the `+CUSD` reply; `{number}` is replaced by the subscriber's number. */
  text: string;
  /** The network also sends this SMS (some operators answer "my number" by SMS). */
  sms?: { sender: string; text: string };
}

export interface OperatorInfo {
  mcc: string;
  mnc: string;
  /** Long alphanumeric name (`AT+COPS=3,0`). */
  name: string;
  shortName: string;
  /** Start of the ICCID: `89` + country code + issuer (ITU-T E.118). */
  iccidPrefix: string;
  /** Total ICCID digits including the Luhn digit: 20 is common, 19 exists (padded with F on the card). */
  iccidLength: 19 | 20;
  /** E.164 prefix of the operator's numbers and the total digit count after `+`. */
  msisdnPrefix: string;
  msisdnDigits: number;
  /**
   * The digits the rest may start with, where the numbering plan leaves some out (NANP
   * exchange codes start 2-9; UK 07700 is not a mobile range): a simulated SIM's number is
   * a valid one, as a real SIM's is (libphonenumber validates every own number).
   */
  msisdnFirstDigits?: string;
  smsc: string;
  /** Time zone of the network in quarter hours (SCTS field of SMS-DELIVER). */
  tzQuarterHours: number;
  ussd: Record<string, UssdReply>;
}

const balanceRu = (amount: string): UssdReply => ({ text: `Баланс: ${amount} р.` });

export const OPERATORS: readonly OperatorInfo[] = [
  {
    mcc: "250", mnc: "01", name: "MTS RUS", shortName: "MTS", iccidPrefix: "8970101", iccidLength: 20,
    msisdnPrefix: "+7916", msisdnDigits: 11, smsc: "+79168999100", tzQuarterHours: 12,
    ussd: {
      "*100#": balanceRu("123,45"),
      "*111*0887#": { text: "Запрос принят. Ожидайте SMS", sms: { sender: "MTS", text: "Ваш номер: {number}" } },
    },
  },
  {
    mcc: "250", mnc: "02", name: "MegaFon", shortName: "MegaFon", iccidPrefix: "8970102", iccidLength: 20,
    msisdnPrefix: "+7926", msisdnDigits: 11, smsc: "+79262909090", tzQuarterHours: 12,
    ussd: { "*100#": balanceRu("87,10"), "*205#": { text: "Ваш номер {number}" } },
  },
  {
    mcc: "250", mnc: "99", name: "Beeline", shortName: "Beeline", iccidPrefix: "8970199", iccidLength: 20,
    msisdnPrefix: "+7903", msisdnDigits: 11, smsc: "+79037011111", tzQuarterHours: 12,
    ussd: { "*102#": balanceRu("15,00"), "*110*10#": { text: "Your number is {number}" } },
  },
  {
    mcc: "250", mnc: "20", name: "Tele2", shortName: "Tele2", iccidPrefix: "8970120", iccidLength: 20,
    msisdnPrefix: "+7977", msisdnDigits: 11, smsc: "+79043490000", tzQuarterHours: 12,
    ussd: { "*105#": balanceRu("250,00"), "*201#": { text: "Vash nomer: {number}" } },
  },
  {
    mcc: "262", mnc: "01", name: "Telekom.de", shortName: "Telekom", iccidPrefix: "894901", iccidLength: 20,
    msisdnPrefix: "+49151", msisdnDigits: 13, smsc: "+491710760000", tzQuarterHours: 4,
    ussd: { "*100#": { text: "Ihr Guthaben: 12,34 EUR" }, "*135#": { text: "Ihre Rufnummer: {number}" } },
  },
  {
    mcc: "234", mnc: "15", name: "vodafone UK", shortName: "voda UK", iccidPrefix: "894415", iccidLength: 20,
    msisdnPrefix: "+4477", msisdnDigits: 12, msisdnFirstDigits: "123456789", smsc: "+447785016005", tzQuarterHours: 0,
    ussd: { "*#1345#": { text: "Your balance is 5.00 GBP" }, "*#100#": { text: "Your number is {number}" } },
  },
  {
    mcc: "310", mnc: "260", name: "T-Mobile", shortName: "T-Mobile", iccidPrefix: "8901260", iccidLength: 20,
    msisdnPrefix: "+1206", msisdnDigits: 11, msisdnFirstDigits: "23456789", smsc: "+12063130004", tzQuarterHours: -32,
    ussd: { "#999#": { text: "Your balance is $10.00" }, "#686#": { text: "Your number is {number}" } },
  },
  {
    mcc: "310", mnc: "410", name: "AT&T", shortName: "AT&T", iccidPrefix: "890141", iccidLength: 19,
    msisdnPrefix: "+1404", msisdnDigits: 11, msisdnFirstDigits: "23456789", smsc: "+13123149810", tzQuarterHours: -20,
    ussd: { "*777#": { text: "Balance: $25.00" } },
  },
  {
    mcc: "405", mnc: "840", name: "Jio 4G", shortName: "Jio", iccidPrefix: "899186", iccidLength: 20,
    msisdnPrefix: "+9170", msisdnDigits: 12, smsc: "+917010000500", tzQuarterHours: 22,
    ussd: { "*1#": { text: "Your Jio number is {number}" } },
  },
  {
    mcc: "460", mnc: "00", name: "CHINA MOBILE", shortName: "CMCC", iccidPrefix: "898600", iccidLength: 20,
    msisdnPrefix: "+86138", msisdnDigits: 13, smsc: "+8613800100500", tzQuarterHours: 32,
    ussd: { "*100#": { text: "余额: 50.00元" } },
  },
];
