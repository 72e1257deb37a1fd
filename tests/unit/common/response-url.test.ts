import { checkResponseUrl, describeHost, responseBucket } from '../../../functions/common/response-url';

const ok = (url: string, region: string, allowLoopback = false) => {
  try {
    checkResponseUrl(url, { region, allowLoopback });
    return true;
  } catch {
    return false;
  }
};

test("the bucket is CloudFormation's response bucket of the region, without dashes", () => {
  expect(responseBucket('us-west-2')).toBe('cloudformation-custom-resource-response-uswest2');
  expect(responseBucket('cn-north-1')).toBe('cloudformation-custom-resource-response-cnnorth1');
  expect(responseBucket('us-gov-west-1')).toBe('cloudformation-custom-resource-response-usgovwest1');
});

test.each([
  [
    'us-east-1',
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3A...?X-Amz-Signature=1',
  ],
  ['us-east-1', 'https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/abc?signature=x'],
  ['eu-west-1', 'https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/stack_id'],
  ['eu-west-1', 'https://cloudformation-custom-resource-response-euwest1.s3.dualstack.eu-west-1.amazonaws.com/x'],
  ['ap-northeast-1', 'https://cloudformation-custom-resource-response-apnortheast1.s3-ap-northeast-1.amazonaws.com/x'],
  ['us-west-2', 'https://s3.us-west-2.amazonaws.com/cloudformation-custom-resource-response-uswest2/x?sig=1'],
  ['us-west-2', 'https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com:443/x'],
  ['cn-north-1', 'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x'],
  ['us-gov-west-1', 'https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/x'],
  ['us-gov-west-1', 'https://cloudformation-custom-resource-response-usgovwest1.s3-fips.us-gov-west-1.amazonaws.com/x'],
])('accepts CloudFormation forms in %s: %s', (region, url) => {
  expect(ok(url, region)).toBe(true);
});

test.each([
  ['us-east-1', 'https://attacker.example/x', /is not CloudFormation's response bucket/],
  [
    'us-east-1',
    'http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
    /must use https, not http/,
  ],
  [
    'us-east-1',
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.attacker.example/x',
    /is not/,
  ],
  ['us-east-1', 'https://evil.cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', /is not/],
  ['us-east-1', 'https://cloudformation-custom-resource-response-useast1-evil.s3.amazonaws.com/x', /is not/],
  ['us-east-1', 'https://attacker-bucket.s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x', /is not/],
  ['us-east-1', 'https://s3.amazonaws.com/attacker-bucket/x', /is not/],
  ['us-east-1', 'https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com/x', /is not/],
  ['us-west-2', 'https://cloudformation-custom-resource-response-uswest2.s3.us-east-1.amazonaws.com/x', /is not/],
  ['cn-north-1', 'https://cloudformation-custom-resource-response-cnnorth1.s3.amazonaws.com/x', /is not/],
  ['us-east-1', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x', /port 8443/],
  ['us-east-1', 'https://u:p@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', /credentials/],
  ['us-east-1', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/', /names no object/],
  ['us-east-1', 'ftp://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', /must use https/],
  ['us-east-1', 'not a url', /is not a URL/],
  ['us-east-1', '', /has no ResponseURL/],
])('refuses in %s: %s', (region, url, reason) => {
  expect(() => checkResponseUrl(url, { region })).toThrow(reason);
});

test('loopback http is accepted only with the test switch, and only on loopback', () => {
  expect(ok('http://127.0.0.1:8080/cfn', 'us-east-1')).toBe(false);
  expect(ok('http://127.0.0.1:8080/cfn', 'us-east-1', true)).toBe(true);
  expect(ok('https://localhost:8443/cfn', 'us-east-1', true)).toBe(true);
  expect(ok('http://[::1]:8080/cfn', 'us-east-1', true)).toBe(true);
  expect(ok('http://10.0.0.1:8080/cfn', 'us-east-1', true)).toBe(false);
  expect(ok('http://127.0.0.1.attacker.example/cfn', 'us-east-1', true)).toBe(false);
});

test('messages name the host only, never the signed path', () => {
  expect(describeHost('https://b.s3.amazonaws.com/secret?X-Amz-Signature=1')).toBe('b.s3.amazonaws.com');
  expect(describeHost('nope')).toBe('not a URL');
});
