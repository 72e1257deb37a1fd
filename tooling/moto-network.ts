/**
 * A VPC, subnet and security group on moto, as ECS RunTask on Fargate needs them there (awsvpc networking: the VPC
 * with DNS hostnames enabled, a subnet, a security group). EC2 is called through its Query API with fetch, so the
 * tests need no EC2 client package; moto does not check signatures, only the credential scope naming the service.
 */

export type FargateNetwork = { vpcId: string; subnetId: string; securityGroupId: string };

async function ec2(endpoint: string, region: string, params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Version: '2016-11-15', ...params });
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20300101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`EC2 ${params.Action} on ${endpoint} answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

function field(xml: string, tag: string): string {
  const m = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml);
  if (!m) throw new Error(`no <${tag}> in the EC2 answer: ${xml.slice(0, 300)}`);
  return m[1];
}

export async function createFargateNetwork(endpoint: string, region = 'us-east-1'): Promise<FargateNetwork> {
  const vpcId = field(await ec2(endpoint, region, { Action: 'CreateVpc', CidrBlock: '10.20.0.0/16' }), 'vpcId');
  await ec2(endpoint, region, { Action: 'ModifyVpcAttribute', VpcId: vpcId, 'EnableDnsHostnames.Value': 'true' });
  const subnetId = field(
    await ec2(endpoint, region, { Action: 'CreateSubnet', VpcId: vpcId, CidrBlock: '10.20.1.0/24' }),
    'subnetId',
  );
  const securityGroupId = field(
    await ec2(endpoint, region, {
      Action: 'CreateSecurityGroup',
      GroupName: `cloud-cron-task-${Date.now()}`,
      GroupDescription: 'Cloud Cron scheduled task (tests)',
      VpcId: vpcId,
    }),
    'groupId',
  );
  return { vpcId, subnetId, securityGroupId };
}
